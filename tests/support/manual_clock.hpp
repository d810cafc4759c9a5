#pragma once
// A clock tests set by hand (test support, not product code: bot/core/clock.hpp has the
// interface and the real clock).

#include "bot/core/clock.hpp"

namespace steward {

/// @par Thread safety: not safe for concurrent set/advance and now().
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint t) : t_(t) {}
  [[nodiscard]] TimePoint now() const override { return t_; }
  void set(TimePoint t) { t_ = t; }
  void advance(std::chrono::milliseconds d) { t_ += d; }

 private:
  TimePoint t_;
};

}  // namespace steward
