#pragma once
// A fixed pool of threads for blocking work handed off by I/O threads (store reads for
// commands, metrics). Bounded: post() refuses when the queue is full.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "bot/core/thread_name.hpp"

namespace steward::runtime {

/// @par Thread safety: post() from any thread; stop() once, from the owner.
class WorkerPool {
 public:
  /// `name` (at most 15 characters, a string literal) names the threads for ps/top/gdb.
  explicit WorkerPool(std::size_t threads, std::size_t max_queue = 10000,
                      const char* name = "st-worker")
      : max_queue_(max_queue) {
    for (std::size_t i = 0; i < threads; ++i)
      threads_.emplace_back([this, name] {
        name_this_thread(name);
        loop();
      });
  }
  ~WorkerPool() { stop(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// False when the queue is full or the pool is stopping (the task is not run).
  bool post(std::function<void()> task) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_ || queue_.size() >= max_queue_) return false;
      queue_.push_back(std::move(task));
    }
    cv_.notify_one();
    return true;
  }
  /// Runs what is queued, then joins.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

 private:
  void loop() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }
  std::size_t max_queue_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace steward::runtime
