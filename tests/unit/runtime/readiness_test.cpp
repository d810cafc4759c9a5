// GET /readyz: not ready at the inbox bound or near the write-queue bound, from the config.

#include "bot/runtime/readiness.hpp"

#include <gtest/gtest.h>

namespace steward::runtime {
namespace {

Config bounds(std::size_t max_pending, std::size_t max_unwritten) {
  Config c;
  c.inbox.max_pending = max_pending;
  c.inbox.max_unwritten = max_unwritten;
  return c;
}

TEST(Readiness, ReadyBelowBothBounds) {
  EXPECT_TRUE(readiness(bounds(100, 1000), 99, 899));
  EXPECT_TRUE(readiness(Config{}, 0, 0));
}

TEST(Readiness, NotReadyAtTheInboxBound) {
  // The old rule (write queue > 50,000) answered 200 here: ingest was refusing every event.
  auto r = readiness(bounds(100, 1000), 100, 0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  ASSERT_TRUE(r.error().retry_after);
  EXPECT_NE(r.error().message.find("inbox full"), std::string::npos);
}

TEST(Readiness, NotReadyNearTheWriteQueueBound) {
  // [inbox] max_unwritten is the store's bound (8192 by default): 50,000 could never be reached.
  auto r = readiness(bounds(100, 1000), 0, 900);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  ASSERT_TRUE(r.error().retry_after);
  EXPECT_FALSE(readiness(Config{}, 0, Config{}.inbox.max_unwritten));
}

}  // namespace
}  // namespace steward::runtime
