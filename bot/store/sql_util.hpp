#pragma once
// Internal helpers shared by the store's repository files (not part of the store's API).

#include <SQLiteCpp/SQLiteCpp.h>

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

}  // namespace steward::store::detail
