#include "bot/runtime/runtime.hpp"

#include <spdlog/spdlog.h>

#include "bot/core/printable.hpp"
#include "bot/core/thread_name.hpp"

namespace steward::runtime {

namespace {

RuntimeDeps with_kernel_executors(RuntimeDeps deps, RecordExecutor& records) {
  for (const auto& kind : records.kinds()) deps.executors.try_emplace(kind, &records);
  return deps;
}

}  // namespace

Runtime::Runtime(RuntimeDeps deps)
    : records_(deps.store),
      deps_(with_kernel_executors(std::move(deps), records_)),
      desk_(deps_.config, deps_.directory, deps_.executors.contains("memory.write")),
      outbox_(deps_.store, deps_.clock, deps_.config, deps_.executors, deps_.metrics, desk_),
      orchestrator_(deps_, desk_, [this] { outbox_.notify(); }) {}

Runtime::~Runtime() { stop(); }

Expected<void> Runtime::start() {
  if (auto r = outbox_.recover(); !r) return r;
  if (auto r = orchestrator_.count_pending(); !r) return r;
  started_ = true;
  stopping_ = false;
  orchestrator_.start();
  outbox_.start(deps_.config.outbox.workers);
  sweeper_ = std::thread([this] {
    name_this_thread("st-sweeper");  // not lowered: expiring approvals on time is its job
    sweeper_loop();
  });
  return {};
}

void Runtime::stop() {
  if (!started_) return;
  {
    std::lock_guard lock(sweep_mutex_);
    stopping_ = true;
  }
  sweep_cv_.notify_all();
  orchestrator_.stop();
  outbox_.stop();
  if (sweeper_.joinable()) sweeper_.join();
  started_ = false;
}

void Runtime::sweeper_loop() {
  while (!stopping_) {
    {
      std::unique_lock lock(sweep_mutex_);
      sweep_cv_.wait_for(lock, deps_.config.approvals.sweep_interval,
                         [&] { return stopping_.load(); });
    }
    if (stopping_) break;
    int expired = 0;
    auto w = deps_.store.write([&](store::Tx& tx) -> Expected<void> {
      auto n = desk_.expire(tx);
      if (!n) return Unexpected(n.error());
      expired = *n;
      return {};
    });
    if (!w) spdlog::error("approval expiry sweep failed: {}", printable(w.error().message, 500));
    if (expired > 0) {
      spdlog::info("{} approval(s) expired", expired);
      outbox_.notify();
    }
  }
}

}  // namespace steward::runtime
