#include "connectors/email/reply_token.hpp"

#include <gtest/gtest.h>

namespace steward::email {
namespace {

ReplyTokenConfig config() {
  ReplyTokenConfig c;
  c.domain = "in.acme.example";
  c.secret = Secret("reply-secret");
  return c;
}

TEST(ReplyToken, RoundTripsAConversationId) {
  auto token = make_reply_token("cv_0123abcd", Secret("reply-secret"));
  EXPECT_EQ(token.rfind("cv_0123abcd.", 0), 0u);
  EXPECT_EQ(token.size(), std::string("cv_0123abcd.").size() + 20);
  auto id = verify_reply_token(token, Secret("reply-secret"));
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(*id, "cv_0123abcd");
}

TEST(ReplyToken, RejectsAnotherSecretOrAnEditedId) {
  auto token = make_reply_token("cv_1", Secret("reply-secret"));
  auto other = verify_reply_token(token, Secret("other"));
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, Errc::kUnauthenticated);
  std::string edited = token;
  edited[3] = '2';  // cv_2.<mac of cv_1>
  auto e = verify_reply_token(edited, Secret("reply-secret"));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, Errc::kUnauthenticated);
  EXPECT_FALSE(verify_reply_token(token, Secret("")));
}

TEST(ReplyToken, RejectsMalformedTokens) {
  for (std::string bad : {"", ".", "cv_1", "cv_1.", "cv_1.abc", "cv 1.0123456789abcdef0123",
                          ".0123456789abcdef0123", "cv/1.0123456789abcdef0123"}) {
    auto r = verify_reply_token(bad, Secret("s"));
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::kInvalidInput) << bad;
  }
}

TEST(ReplyToken, MacIsCaseInsensitiveBecauseMailersMayUppercase) {
  auto token = make_reply_token("cv_abc", Secret("reply-secret"));
  std::string upper = token;
  for (std::size_t i = token.find('.') + 1; i < upper.size(); ++i)
    upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
  auto id = verify_reply_token(upper, Secret("reply-secret"));
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, "cv_abc");
}

TEST(ReplyToken, FindsTheTokenAmongRecipients) {
  auto c = config();
  std::string addr = reply_address("cv_9", c);
  EXPECT_EQ(addr, "reply+" + make_reply_token("cv_9", c.secret) + "@in.acme.example");
  auto found = find_reply_token({"support@acme.example", "Steward <" + addr + ">"}, c);
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, make_reply_token("cv_9", c.secret));
  EXPECT_EQ(find_reply_token({"REPLY+x.y@IN.ACME.EXAMPLE"}, c).value_or(""), "x.y");
  EXPECT_FALSE(find_reply_token({"reply+x@other.example"}, c));
  EXPECT_FALSE(find_reply_token({"reply@in.acme.example", "replyx+1@in.acme.example"}, c));
  EXPECT_FALSE(find_reply_token({"reply+@in.acme.example"}, c));
  ReplyTokenConfig off;
  EXPECT_FALSE(find_reply_token({addr}, off));
}

}  // namespace
}  // namespace steward::email
