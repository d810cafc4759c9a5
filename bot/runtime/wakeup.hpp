#pragma once
// How the kernel's background loops (orchestrator, outbox workers) sleep and are woken, and how
// their threads start: one home for both, so every loop waits and starts the same way.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>

#include "bot/core/thread_name.hpp"

namespace steward::runtime {

/// A wake-up call for threads that otherwise poll. A notify() that comes while nobody waits
/// is kept, so the next wait returns at once (no lost wake-up between a check and the wait).
/// @par Thread safety: all members may be called from any thread.
class Wakeup {
 public:
  void notify_one() {
    set();
    cv_.notify_one();
  }
  void notify_all() {
    set();
    cv_.notify_all();
  }
  /// Returns when notified, after `timeout`, or once `stop` is true (set it, then notify).
  void wait_for(std::chrono::milliseconds timeout, const std::atomic<bool>& stop) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return signal_ || stop.load(); });
    signal_ = false;
  }

 private:
  void set() {
    std::lock_guard lock(mutex_);
    signal_ = true;
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  bool signal_ = false;
};

/// Starts a background thread named `name` (at most 15 characters) at a lowered CPU priority:
/// on a busy machine, accepting webhooks (which senders time out on) wins over planning and
/// delivery.
template <class F>
std::thread start_background(const char* name, F&& loop) {
  return std::thread([name, loop = std::forward<F>(loop)]() mutable {
    name_this_thread(name);
    lower_this_thread_priority(5);
    loop();
  });
}

}  // namespace steward::runtime
