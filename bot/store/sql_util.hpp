#pragma once
// Internal helpers shared by the store's repository files (not part of the store's API).

#include <SQLiteCpp/SQLiteCpp.h>
#include <SQLiteCpp/VariadicBind.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "bot/core/expected.hpp"

namespace steward::store::detail {

/// Runs `f`, turning a SQLite exception into kInternal "<what>: <message>".
template <class F>
auto guarded(std::string_view what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return fail(Errc::kInternal, std::string(what) + ": " + e.what());
  }
}

/// Column `i` as text; "" for NULL.
inline std::string col_text(SQLite::Statement& q, int i) {
  auto c = q.getColumn(i);
  return c.isNull() ? std::string() : c.getString();
}

/// A JSON object stored as text; {} when the text is not an object (never fails).
inline boost::json::object parse_obj(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.get_object());
}

inline void read_column(const SQLite::Column& c, std::string& out) {
  out = c.isNull() ? std::string() : c.getString();
}
inline void read_column(const SQLite::Column& c, std::int64_t& out) { out = c.getInt64(); }
inline void read_column(const SQLite::Column& c, int& out) { out = c.getInt(); }
inline void read_column(const SQLite::Column& c, boost::json::object& out) {
  out = parse_obj(c.isNull() ? std::string() : c.getString());
}

/// Reads the current row's columns, from column `first` on, into `out...` in order: text
/// (NULL as ""), integers (NULL as 0) and JSON objects stored as text. Binding and reading a
/// row this way keeps each row's column list in one place, the SQL.
template <class... T>
void read_columns(SQLite::Statement& q, int first, T&... out) {
  int i = first;
  (read_column(q.getColumn(i++), out), ...);
}

/// Binds `args...` to the parameters 1, 2, … of `q` (SQLiteCpp's variadic bind).
template <class... T>
void bind_all(SQLite::Statement& q, const T&... args) {
  SQLite::bind(q, args...);
}

}  // namespace steward::store::detail
