#include "connectors/email/reply_token.hpp"

#include <gtest/gtest.h>

namespace steward::email {
namespace {

const Secret kSecret("reply-secret-of-at-least-32-bytes-xx");

ReplyTokenConfig config() {
  ReplyTokenConfig c;
  c.domain = "in.acme.example";
  c.secret = kSecret;
  return c;
}

TEST(ReplyToken, RoundTripsAConversationIdForItsRecipient) {
  auto token = make_reply_token("cv_0123abcd", "alice@cust.example", kSecret);
  EXPECT_EQ(token.rfind("cv_0123abcd.", 0), 0u);
  EXPECT_EQ(token.size(), std::string("cv_0123abcd.").size() + 20);
  auto id = verify_reply_token(token, "alice@cust.example", kSecret);
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(*id, "cv_0123abcd");
}

// Issue 9 (1): a token that reaches someone else (forwarded mail, a CC, a leak) is theirs to
// read but not to use.
TEST(ReplyToken, IsBoundToTheMailboxItWasSentTo) {
  auto token = make_reply_token("cv_1", "Alice <alice@cust.example>", kSecret);
  auto mallory = verify_reply_token(token, "mallory@evil.example", kSecret);
  ASSERT_FALSE(mallory);
  EXPECT_EQ(mallory.error().code, Errc::kUnauthenticated);
  EXPECT_NE(mallory.error().message.find("not issued to this sender"), std::string::npos);
  // The same mailbox in another case or with a sub-address tag is still Alice.
  EXPECT_TRUE(verify_reply_token(token, "ALICE@Cust.Example", kSecret));
  EXPECT_TRUE(verify_reply_token(token, "alice+phone@cust.example", kSecret));
  // An empty or address-less sender never verifies.
  EXPECT_FALSE(verify_reply_token(token, "", kSecret));
  EXPECT_FALSE(verify_reply_token(token, "alice", kSecret));
  // A token made for another mailbox differs.
  EXPECT_NE(make_reply_token("cv_1", "bob@cust.example", kSecret), token);
}

TEST(ReplyToken, RejectsAnotherSecretOrAnEditedId) {
  auto token = make_reply_token("cv_1", "a@x.example", kSecret);
  auto other = verify_reply_token(token, "a@x.example", Secret("other"));
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, Errc::kUnauthenticated);
  std::string edited = token;
  edited[3] = '2';  // cv_2.<mac of cv_1>
  auto e = verify_reply_token(edited, "a@x.example", kSecret);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, Errc::kUnauthenticated);
  EXPECT_FALSE(verify_reply_token(token, "a@x.example", Secret("")));
}

TEST(ReplyToken, RejectsMalformedTokens) {
  for (std::string bad : {"", ".", "cv_1", "cv_1.", "cv_1.abc", "cv 1.0123456789abcdef0123",
                          ".0123456789abcdef0123", "cv/1.0123456789abcdef0123"}) {
    auto r = verify_reply_token(bad, "a@x.example", Secret("s"));
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::kInvalidInput) << bad;
  }
}

TEST(ReplyToken, MacIsCaseInsensitiveBecauseMailersMayUppercase) {
  auto token = make_reply_token("cv_abc", "a@x.example", kSecret);
  std::string upper = token;
  for (std::size_t i = token.find('.') + 1; i < upper.size(); ++i)
    upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
  auto id = verify_reply_token(upper, "a@x.example", kSecret);
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, "cv_abc");
}

TEST(ReplyToken, FindsEveryTokenAmongRecipients) {
  auto c = config();
  std::string addr = reply_address("cv_9", "ann@example.com", c);
  EXPECT_EQ(addr,
            "reply+" + make_reply_token("cv_9", "ann@example.com", kSecret) + "@in.acme.example");
  auto found = find_reply_tokens({"support@acme.example", "Steward <" + addr + ">"}, c);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], make_reply_token("cv_9", "ann@example.com", kSecret));
  EXPECT_EQ(find_reply_tokens({"REPLY+x.y@IN.ACME.EXAMPLE"}, c), std::vector<std::string>{"x.y"});
  EXPECT_TRUE(find_reply_tokens({"reply+x@other.example"}, c).empty());
  EXPECT_TRUE(find_reply_tokens({"reply@in.acme.example", "replyx+1@in.acme.example"}, c).empty());
  EXPECT_TRUE(find_reply_tokens({"reply+@in.acme.example"}, c).empty());
  // Several reply addresses (a reply-all): all are returned, in order, without repeats.
  std::string other = reply_address("cv_8", "bob@example.com", c);
  EXPECT_EQ(find_reply_tokens({other, addr, other}, c),
            (std::vector<std::string>{make_reply_token("cv_8", "bob@example.com", kSecret),
                                      make_reply_token("cv_9", "ann@example.com", kSecret)}));
  ReplyTokenConfig off;
  EXPECT_TRUE(find_reply_tokens({addr}, off).empty());
}

}  // namespace
}  // namespace steward::email
