#include "connectors/forms/signature.hpp"

#include <gtest/gtest.h>

#include <string>

namespace steward::forms {
namespace {

// integrations.md §8, computed independently with Python's hmac.
constexpr std::string_view kBody = R"({"event_id":"01ABC","event_type":"form_response"})";
constexpr std::string_view kHeader = "sha256=CUfhpaNo/+KsjgrnJdrGHATCMdBD56YRnebg65PwlS8=";
const Secret kSecret{"test-secret"};

TEST(FormsSignature, SignBodyMatchesPublishedVector) {
  EXPECT_EQ(sign_body(kSecret, kBody), kHeader);
}

TEST(FormsSignature, AcceptsPublishedVector) {
  auto r = verify_signature(kSecret, kHeader, kBody);
  EXPECT_TRUE(r.has_value()) << r.error().message;
}

TEST(FormsSignature, TamperedBodyFails) {
  std::string tampered = R"({"event_id":"01ABD","event_type":"form_response"})";
  auto r = verify_signature(kSecret, kHeader, tampered);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnauthenticated);
  EXPECT_EQ(r.error().message, "signature mismatch");
  // Whitespace the sender did not sign also breaks it (re-serialised JSON must never be used).
  auto spaced = verify_signature(kSecret, kHeader, std::string(kBody) + "\n");
  ASSERT_FALSE(spaced.has_value());
  EXPECT_EQ(spaced.error().message, "signature mismatch");
}

TEST(FormsSignature, WrongSecretFails) {
  auto r = verify_signature(Secret{"other-secret"}, kHeader, kBody);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnauthenticated);
  EXPECT_EQ(r.error().message, "signature mismatch");
}

TEST(FormsSignature, WrongPrefixFails) {
  // Tally's scheme (same bytes, no prefix) must not pass as Typeform's.
  auto r = verify_signature(kSecret, kHeader.substr(7), kBody);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnauthenticated);
  EXPECT_EQ(r.error().message, "signature must start with sha256=");
  auto upper = verify_signature(kSecret, "SHA256=" + std::string(kHeader.substr(7)), kBody);
  ASSERT_FALSE(upper.has_value());
  EXPECT_EQ(upper.error().message, "signature must start with sha256=");
}

TEST(FormsSignature, MissingHeaderFails) {
  auto r = verify_signature(kSecret, "", kBody);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnauthenticated);
  EXPECT_EQ(r.error().message, "missing signature header");
}

TEST(FormsSignature, DifferentLengthsDoNotCrash) {
  for (std::string_view h :
       {"sha256=", "sha256=AAAA", "sha256=CUfhpaNo/+KsjgrnJdrGHATCMdBD56YRnebg65PwlS8=="}) {
    auto r = verify_signature(kSecret, h, kBody);
    ASSERT_FALSE(r.has_value()) << h;
    EXPECT_EQ(r.error().message, "signature mismatch");
  }
}

TEST(FormsSignature, EmptySecretIsAConfigurationError) {
  auto r = verify_signature(Secret{}, kHeader, kBody);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInternal);
  EXPECT_EQ(r.error().message, "form secret not configured");
}

TEST(FormsSignature, ErrorsNeverContainTheSecretOrExpectedValue) {
  auto r = verify_signature(kSecret, "sha256=bogus", kBody);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message.find("test-secret"), std::string::npos);
  EXPECT_EQ(r.error().message.find(kHeader.substr(7)), std::string::npos);
}

}  // namespace
}  // namespace steward::forms
