#include "bot/core/expected.hpp"

namespace steward {

std::string_view errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::kInvalidInput: return "invalid_input";
    case Errc::kUnauthenticated: return "unauthenticated";
    case Errc::kForbidden: return "forbidden";
    case Errc::kNotFound: return "not_found";
    case Errc::kConflict: return "conflict";
    case Errc::kTooLarge: return "too_large";
    case Errc::kUnsupportedMedia: return "unsupported_media";
    case Errc::kRateLimited: return "rate_limited";
    case Errc::kUnavailable: return "unavailable";
    case Errc::kTimeout: return "timeout";
    case Errc::kPermanent: return "permanent";
    case Errc::kInternal: return "internal";
  }
  return "internal";
}

}  // namespace steward
