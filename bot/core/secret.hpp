#pragma once
// A value that must never be printed: logs, errors and the dashboard see "***".

#include <string>
#include <string_view>
#include <utility>

namespace steward {

/// Holds a credential (token, signing secret, password). It has no operator<< and no
/// formatter on purpose; call reveal() only where the raw bytes are needed (HMAC key, header).
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  [[nodiscard]] std::string_view reveal() const noexcept { return value_; }
  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }
  [[nodiscard]] static std::string_view redacted() noexcept { return "***"; }

 private:
  std::string value_;
};

}  // namespace steward
