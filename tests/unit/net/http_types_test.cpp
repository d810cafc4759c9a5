#include "bot/net/http_types.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "bot/core/json.hpp"

namespace steward::net {
namespace {

TEST(HttpTypesTest, StatusMapCoversEveryErrc) {
  const std::vector<std::pair<Errc, int>> expected = {
      {Errc::kInvalidInput, 400},     {Errc::kUnauthenticated, 401}, {Errc::kForbidden, 403},
      {Errc::kNotFound, 404},         {Errc::kConflict, 409},        {Errc::kTooLarge, 413},
      {Errc::kUnsupportedMedia, 415}, {Errc::kRateLimited, 429},     {Errc::kUnavailable, 503},
      {Errc::kTimeout, 504},          {Errc::kPermanent, 502},       {Errc::kInternal, 500},
  };
  for (const auto& [code, status] : expected) {
    EXPECT_EQ(http_status(code), status) << errc_name(code);
  }
}

TEST(HttpTypesTest, ErrorResponseBodyIsJson) {
  const HttpResponse res = error_response(Error{Errc::kConflict, "already \"decided\"\n", {}});
  EXPECT_EQ(res.status, 409);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_TRUE(res.headers.empty());
  auto obj = json::parse_object(res.body);
  ASSERT_TRUE(obj.has_value()) << res.body;
  ASSERT_TRUE(obj->at("ok").is_bool());
  EXPECT_FALSE(obj->at("ok").as_bool());
  EXPECT_EQ(json::string_or(*obj, "error"), "conflict");
  EXPECT_EQ(json::string_or(*obj, "message"), "already \"decided\"\n");
  EXPECT_EQ(obj->size(), 3u);
}

TEST(HttpTypesTest, RetryAfterHeaderWhenSet) {
  const HttpResponse res =
      error_response(Error{Errc::kRateLimited, "slow down", std::chrono::seconds(30)});
  EXPECT_EQ(res.status, 429);
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].first, "Retry-After");
  EXPECT_EQ(res.headers[0].second, "30");
  auto obj = json::parse_object(res.body);
  ASSERT_TRUE(obj.has_value());
  EXPECT_EQ(json::string_or(*obj, "error"), "rate_limited");

  const HttpResponse unavailable =
      error_response(Error{Errc::kUnavailable, "queue full", std::chrono::seconds(0)});
  EXPECT_EQ(unavailable.status, 503);
  ASSERT_EQ(unavailable.headers.size(), 1u);
  EXPECT_EQ(unavailable.headers[0].second, "0");
}

}  // namespace
}  // namespace steward::net
