#include "bot/net/http_types.hpp"

#include <boost/json/object.hpp>
#include <string>

#include "bot/core/json.hpp"

namespace steward::net {

namespace {

/// `text` with every byte that does not start a valid UTF-8 sequence replaced by U+FFFD.
/// Messages may echo request bytes (a percent-decoded form name, say); Boost.JSON would copy
/// them into the body unchanged and the answer would not be JSON.
std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = c < 0x80                   ? 1
                      : (c >= 0xC2 && c <= 0xDF) ? 2
                      : (c >= 0xE0 && c <= 0xEF) ? 3
                      : (c >= 0xF0 && c <= 0xF4) ? 4
                                                 : 0;
    bool ok = len != 0 && text.size() - i >= len;
    for (std::size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (ok && len >= 3) {
      // Overlong forms, surrogates and code points above U+10FFFF.
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0) && !(c == 0xF0 && c1 < 0x90) &&
           !(c == 0xF4 && c1 >= 0x90);
    }
    if (!ok) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

}  // namespace

int http_status(Errc code) noexcept {
  switch (code) {
    case Errc::kInvalidInput: return 400;
    case Errc::kUnauthenticated: return 401;
    case Errc::kForbidden: return 403;
    case Errc::kNotFound: return 404;
    case Errc::kConflict: return 409;
    case Errc::kTooLarge: return 413;
    case Errc::kUnsupportedMedia: return 415;
    case Errc::kRateLimited: return 429;
    case Errc::kUnavailable: return 503;
    case Errc::kTimeout: return 504;
    case Errc::kPermanent: return 502;
    case Errc::kInternal: return 500;
  }
  return 500;
}

HttpResponse error_response(const Error& error) {
  boost::json::object body;
  body["ok"] = false;
  body["error"] = errc_name(error.code);
  body["message"] = valid_utf8(error.message);
  HttpResponse res = HttpResponse::json(http_status(error.code), json::dump(body));
  if (error.retry_after) {
    const auto secs = error.retry_after->count();
    res.headers.emplace_back("Retry-After", std::to_string(secs < 0 ? 0 : secs));
  }
  return res;
}

}  // namespace steward::net
