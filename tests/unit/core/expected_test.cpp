#include "bot/core/expected.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace steward {
namespace {

struct NamedCode {
  Errc code;
  const char* name;
};

// The names are part of the JSON API and the logs; operators grep for them.
const std::vector<NamedCode> kAll = {
    {Errc::kInvalidInput, "invalid_input"},
    {Errc::kUnauthenticated, "unauthenticated"},
    {Errc::kForbidden, "forbidden"},
    {Errc::kNotFound, "not_found"},
    {Errc::kConflict, "conflict"},
    {Errc::kTooLarge, "too_large"},
    {Errc::kUnsupportedMedia, "unsupported_media"},
    {Errc::kRateLimited, "rate_limited"},
    {Errc::kUnavailable, "unavailable"},
    {Errc::kTimeout, "timeout"},
    {Errc::kPermanent, "permanent"},
    {Errc::kInternal, "internal"},
};

TEST(ErrcName, EveryCodeHasItsOwnName) {
  std::set<std::string> seen;
  for (const auto& c : kAll) {
    EXPECT_EQ(errc_name(c.code), c.name);
    EXPECT_TRUE(seen.insert(std::string(errc_name(c.code))).second)
        << "duplicate name " << errc_name(c.code);
  }
  // kInternal is the last enumerator: the table above covers every code.
  EXPECT_EQ(static_cast<int>(Errc::kInternal) + 1, static_cast<int>(kAll.size()));
}

TEST(ErrcName, OutOfRangeValueFallsBackToInternal) {
  EXPECT_EQ(errc_name(static_cast<Errc>(999)), "internal");
}

TEST(ErrorTransient, OnlyRateLimitedUnavailableAndTimeout) {
  for (const auto& c : kAll) {
    Error e{c.code, "x", std::nullopt};
    bool expected =
        c.code == Errc::kRateLimited || c.code == Errc::kUnavailable || c.code == Errc::kTimeout;
    EXPECT_EQ(e.transient(), expected) << c.name;
  }
}

TEST(Fail, BuildsAnUnexpectedWithAllFields) {
  Expected<int> r = fail(Errc::kUnavailable, "queue full", std::chrono::seconds(3));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_EQ(r.error().message, "queue full");
  ASSERT_TRUE(r.error().retry_after.has_value());
  EXPECT_EQ(r.error().retry_after->count(), 3);

  Expected<void> v = fail(Errc::kNotFound, "nope");
  ASSERT_FALSE(v.has_value());
  EXPECT_FALSE(v.error().retry_after.has_value());
}

}  // namespace
}  // namespace steward
