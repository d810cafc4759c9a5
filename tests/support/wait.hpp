#pragma once
// Waiting on a condition instead of sleeping a fixed time: a test proceeds as soon as what it
// waits for holds, and fails with a deadline when it never does.

#include <chrono>
#include <thread>

namespace steward::testing {

/// Polls `pred` every 20 ms until it holds (true) or `timeout` passes (then one last try).
template <class F>
bool wait_until(F&& pred, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

/// The negative wait: true when `pred` holds at every poll for all of `period` (so "nothing
/// more happens" is checked throughout, and a violation fails at once instead of at the end).
template <class F>
bool holds_for(F&& pred, std::chrono::milliseconds period) {
  const auto end = std::chrono::steady_clock::now() + period;
  while (std::chrono::steady_clock::now() < end) {
    if (!pred()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

}  // namespace steward::testing
