#pragma once
// Private to the email connector: ownership of GLib/GMime objects and the parser set-up that
// the MIME helpers (mime.cpp) and the providers' raw-message parsing (inbound_providers.cpp)
// share.

#include <gmime/gmime.h>

#include <memory>
#include <string>
#include <string_view>

namespace steward::email::detail {

// ---- GLib / GMime ownership ---------------------------------------------------------------

struct GObjectUnref {
  void operator()(gpointer p) const {
    if (p) g_object_unref(p);
  }
};
template <class T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

struct GFree {
  void operator()(gpointer p) const { g_free(p); }
};
using GChars = std::unique_ptr<char, GFree>;

struct ParserOptionsFree {
  void operator()(GMimeParserOptions* p) const {
    if (p) g_mime_parser_options_free(p);
  }
};
using ParserOptions = std::unique_ptr<GMimeParserOptions, ParserOptionsFree>;

inline std::string chars_or_empty(const char* s) { return s ? std::string(s) : std::string(); }

/// Takes ownership of a g_malloc'ed string.
inline std::string take(char* s) {
  GChars owned(s);
  return chars_or_empty(owned.get());
}

/// The bytes a memory stream holds.
inline std::string mem_stream_bytes(GMimeStream* stream) {
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
  if (!bytes || bytes->len == 0) return {};
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

/// A parser over a private copy of `data` (GMime streams read lazily; the copy outlives it).
struct ParserOver {
  explicit ParserOver(std::string_view data)
      : stream(g_mime_stream_mem_new_with_buffer(data.data(), data.size())),
        parser(g_mime_parser_new_with_stream(stream.get())) {}
  GPtr<GMimeStream> stream;
  GPtr<GMimeParser> parser;
};

/// Parser issues that make a form body unusable.
struct ParseIssues {
  bool truncated = false;
  bool no_boundary = false;
  bool critical = false;
};

inline void on_parser_warning(gint64 /*offset*/, GMimeParserWarning code, const gchar* /*item*/,
                              gpointer user_data) {
  auto* issues = static_cast<ParseIssues*>(user_data);
  switch (code) {
    case GMIME_WARN_TRUNCATED_MESSAGE: issues->truncated = true; break;
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: issues->no_boundary = true; break;
    case GMIME_CRIT_NESTING_OVERFLOW:
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
    case GMIME_CRIT_INVALID_HEADER_NAME: issues->critical = true; break;
    default: break;
  }
}

}  // namespace steward::email::detail
