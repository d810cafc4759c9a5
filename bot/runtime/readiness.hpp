#pragma once
// GET /readyz: whether this process should be sent more work. Pure, header-only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "bot/core/expected.hpp"
#include "bot/runtime/config.hpp"

namespace steward::runtime {

/// Not ready (kUnavailable with retry_after) while the inbox holds [inbox] max_pending or more
/// unprocessed events (ingest refuses then), or while the store's write queue is at 90% of
/// [inbox] max_unwritten or more (ingest refuses at 100%). A load balancer then sends the work
/// elsewhere before senders see 503s from the webhooks.
[[nodiscard]] inline Expected<void> readiness(const Config& config, std::int64_t inbox_pending,
                                              std::size_t write_queue) {
  const auto max_pending = static_cast<std::int64_t>(config.inbox.max_pending);
  if (inbox_pending >= max_pending)
    return fail(Errc::kUnavailable,
                "inbox full: " + std::to_string(inbox_pending) + " of " +
                    std::to_string(max_pending) + " events wait to be processed",
                std::chrono::seconds(5));
  const std::size_t near = config.inbox.max_unwritten - config.inbox.max_unwritten / 10;
  if (write_queue >= near)
    return fail(Errc::kUnavailable,
                "write queue near its bound: " + std::to_string(write_queue) + " of " +
                    std::to_string(config.inbox.max_unwritten) + " events wait to be written",
                std::chrono::seconds(1));
  return {};
}

}  // namespace steward::runtime
