#pragma once
// The one error vocabulary of Steward: every module boundary returns Expected<T>.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>

namespace steward {

/// What went wrong, coarse enough to map onto an HTTP status in one place (error_response in
/// bot/net/http_types.cpp).
enum class Errc {
  kInvalidInput,      ///< malformed input → 400
  kUnauthenticated,   ///< bad signature / stale timestamp → 401
  kForbidden,         ///< authenticated but not allowed → 403
  kNotFound,          ///< unknown route, form, id → 404
  kConflict,          ///< already decided, duplicate → 409
  kTooLarge,          ///< body over the route limit → 413
  kUnsupportedMedia,  ///< wrong content type → 415
  kRateLimited,       ///< remote asked us to wait (retry_after set) → 429
  kUnavailable,       ///< transient: connection refused, 5xx, queue full → 503
  kTimeout,           ///< transient: no answer in time → 504
  kPermanent,         ///< the remote refused for good (e.g. channel_not_found, 550)
  kInternal,          ///< our bug or an unexpected library failure → 500
};

/// Human-readable name of an Errc ("invalid_input", …) for logs and JSON.
std::string_view errc_name(Errc code) noexcept;

/// An error crossing a module boundary. `message` never contains secrets or whole payloads.
struct Error {
  Errc code = Errc::kInternal;
  std::string message;
  std::optional<std::chrono::seconds> retry_after;

  /// True for errors worth retrying later (rate limit, unavailable, timeout).
  [[nodiscard]] bool transient() const noexcept {
    return code == Errc::kRateLimited || code == Errc::kUnavailable || code == Errc::kTimeout;
  }
};

template <class T>
using Expected = tl::expected<T, Error>;
using Unexpected = tl::unexpected<Error>;

/// Shorthand: `return fail(Errc::kInvalidInput, "missing field 'email'");`
inline Unexpected fail(Errc code, std::string message,
                       std::optional<std::chrono::seconds> retry_after = std::nullopt) {
  return Unexpected(Error{code, std::move(message), retry_after});
}

}  // namespace steward
