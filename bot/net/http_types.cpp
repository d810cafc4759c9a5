#include "bot/net/http_types.hpp"

#include <boost/json/object.hpp>
#include <string>

#include "bot/core/json.hpp"
#include "bot/core/utf8.hpp"

namespace steward::net {

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
  // Messages may echo request bytes (a percent-decoded form name, say); Boost.JSON would copy
  // them into the body unchanged and the answer would not be JSON.
  body["message"] = to_valid_utf8(error.message);
  HttpResponse res = HttpResponse::json(http_status(error.code), json::dump(body));
  if (error.retry_after) {
    const auto secs = error.retry_after->count();
    res.headers.emplace_back("Retry-After", std::to_string(secs < 0 ? 0 : secs));
  }
  return res;
}

}  // namespace steward::net
