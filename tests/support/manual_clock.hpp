#pragma once
// A clock tests set by hand (test support, not product code: bot/core/clock.hpp has the
// interface and the real clock).

#include <atomic>

#include "bot/core/clock.hpp"

namespace steward {

/// @par Thread safety: safe; tests move it while the runtime's threads read it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint t) : ticks_(t.time_since_epoch().count()) {}
  [[nodiscard]] TimePoint now() const override { return TimePoint(TimePoint::duration(ticks_)); }
  void set(TimePoint t) { ticks_ = t.time_since_epoch().count(); }
  void advance(std::chrono::milliseconds d) {
    ticks_ += std::chrono::duration_cast<TimePoint::duration>(d).count();
  }

 private:
  std::atomic<TimePoint::duration::rep> ticks_;
};

}  // namespace steward
