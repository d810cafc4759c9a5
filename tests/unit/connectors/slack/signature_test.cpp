#include "connectors/slack/signature.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/support/manual_clock.hpp"

namespace steward::slack {
namespace {

// Slack's documented example ("Verifying requests from Slack"); the expected value was
// checked with `openssl dgst -sha256 -hmac`.
constexpr std::string_view kSecret = "8f742231b10e8888abcd99yyyzzz85a5";
constexpr std::string_view kTimestamp = "1531420618";
constexpr std::string_view kBody =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
    "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
    "collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%"
    "2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121."
    "803a0bc887a14d10d2c447fce8b6703c";
constexpr std::string_view kSignature =
    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

TimePoint at(std::int64_t unix_s) { return TimePoint(std::chrono::seconds(unix_s)); }

void expect_unauthenticated(const Expected<void>& r, std::string_view reason) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnauthenticated);
  EXPECT_NE(r.error().message.find(reason), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find(kSecret), std::string::npos);
  EXPECT_EQ(r.error().message.find("a2114d57"), std::string::npos);
}

TEST(SlackSignature, ComputesSlacksDocumentedExample) {
  EXPECT_EQ(compute_signature(kSecret, kTimestamp, kBody), kSignature);
}

TEST(SlackSignature, AcceptsSlacksDocumentedExample) {
  ManualClock clock(at(1531420618));
  auto r = verify_signature(kSecret, kTimestamp, kSignature, kBody, clock.now());
  EXPECT_TRUE(r.has_value()) << r.error().message;
}

TEST(SlackSignature, WindowEdgesAreInclusiveAt300Seconds) {
  ManualClock clock(at(1531420618 + 300));
  EXPECT_TRUE(verify_signature(kSecret, kTimestamp, kSignature, kBody, clock.now()).has_value());
  clock.advance(std::chrono::seconds(1));
  expect_unauthenticated(verify_signature(kSecret, kTimestamp, kSignature, kBody, clock.now()),
                         "stale timestamp");
  clock.set(at(1531420618 - 300));
  EXPECT_TRUE(verify_signature(kSecret, kTimestamp, kSignature, kBody, clock.now()).has_value());
  clock.advance(-std::chrono::milliseconds(1000));
  expect_unauthenticated(verify_signature(kSecret, kTimestamp, kSignature, kBody, clock.now()),
                         "stale timestamp");
}

TEST(SlackSignature, CustomWindow) {
  auto now = at(1531420618 + 61);
  expect_unauthenticated(
      verify_signature(kSecret, kTimestamp, kSignature, kBody, now, std::chrono::seconds(60)),
      "stale timestamp");
  EXPECT_TRUE(
      verify_signature(kSecret, kTimestamp, kSignature, kBody, now, std::chrono::seconds(61))
          .has_value());
}

TEST(SlackSignature, RejectsTamperedBody) {
  std::string body(kBody);
  body.replace(body.find("foobar"), 6, "foobaz");
  expect_unauthenticated(verify_signature(kSecret, kTimestamp, kSignature, body, at(1531420618)),
                         "signature mismatch");
  // Re-encoding a space differently (a proxy rewriting the body) also breaks it.
  std::string reencoded(kBody);
  reencoded += "+";
  expect_unauthenticated(
      verify_signature(kSecret, kTimestamp, kSignature, reencoded, at(1531420618)),
      "signature mismatch");
}

TEST(SlackSignature, RejectsWrongSecretAndTimestampSwap) {
  expect_unauthenticated(
      verify_signature("another-secret", kTimestamp, kSignature, kBody, at(1531420618)),
      "signature mismatch");
  // The timestamp is part of the signed string.
  expect_unauthenticated(verify_signature(kSecret, "1531420619", kSignature, kBody, at(1531420618)),
                         "signature mismatch");
}

TEST(SlackSignature, RejectsWrongVersion) {
  std::string v1 = "v1=" + std::string(kSignature.substr(3));
  expect_unauthenticated(verify_signature(kSecret, kTimestamp, v1, kBody, at(1531420618)),
                         "unsupported signature version");
}

TEST(SlackSignature, RejectsGarbageHeaders) {
  auto now = at(1531420618);
  expect_unauthenticated(verify_signature(kSecret, "", kSignature, kBody, now),
                         "missing X-Slack-Request-Timestamp");
  for (std::string_view ts : {"abc", "-1531420618", "1531420618.5", " 1531420618", "1531420618x",
                              "99999999999999999999999"})
    expect_unauthenticated(verify_signature(kSecret, ts, kSignature, kBody, now),
                           "invalid X-Slack-Request-Timestamp");
  expect_unauthenticated(verify_signature(kSecret, kTimestamp, "", kBody, now),
                         "missing X-Slack-Signature");
  expect_unauthenticated(verify_signature(kSecret, kTimestamp, "nonsense", kBody, now),
                         "malformed X-Slack-Signature");
  expect_unauthenticated(verify_signature(kSecret, kTimestamp, "v0=", kBody, now),
                         "malformed X-Slack-Signature");
  expect_unauthenticated(verify_signature(kSecret, kTimestamp, "v0=zz", kBody, now),
                         "malformed X-Slack-Signature");
  std::string truncated(kSignature.substr(0, kSignature.size() - 1));
  expect_unauthenticated(verify_signature(kSecret, kTimestamp, truncated, kBody, now),
                         "malformed X-Slack-Signature");
  std::string flipped(kSignature);
  flipped.back() = flipped.back() == '3' ? '4' : '3';
  expect_unauthenticated(verify_signature(kSecret, kTimestamp, flipped, kBody, now),
                         "signature mismatch");
}

TEST(SlackSignature, EmptySecretIsAConfigurationError) {
  auto r = verify_signature("", kTimestamp, kSignature, kBody, at(1531420618));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInternal);
  EXPECT_EQ(r.error().message, "signing secret not configured");
}

}  // namespace
}  // namespace steward::slack
