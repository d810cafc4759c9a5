#include "bot/runtime/directory.hpp"

#include <gtest/gtest.h>

namespace steward::runtime {
namespace {

Directory make_directory() {
  return Directory({
      Person{"Dana Director", "U0DANA", "dana@acme.example", {"director"}, "UTC"},
      Person{"Sam Sales", "U0SAM", "sam@acme.example", {"sales", "support"}, "UTC"},
      Person{"Eve Emailonly", "", "eve@acme.example", {"director"}, "UTC"},
  });
}

TEST(Directory, FindBySlackIdOrEmail) {
  auto d = make_directory();
  ASSERT_NE(d.find("U0DANA"), nullptr);
  EXPECT_EQ(d.find("U0DANA")->name, "Dana Director");
  ASSERT_NE(d.find("DANA@Acme.Example"), nullptr);
  EXPECT_EQ(d.find("DANA@Acme.Example")->slack_id, "U0DANA");
  EXPECT_EQ(d.find("u0dana"), nullptr);  // Slack ids are case-sensitive
  EXPECT_EQ(d.find("U0NOBODY"), nullptr);
  EXPECT_EQ(d.find(""), nullptr);  // must not match the person without a slack id
}

TEST(Directory, MayApproveByRole) {
  auto d = make_directory();
  const std::vector<std::string> directors{"role:director"};
  EXPECT_TRUE(d.may_approve(directors, "U0DANA"));
  EXPECT_FALSE(d.may_approve(directors, "U0SAM"));
  EXPECT_TRUE(d.may_approve({"role:director", "role:support"}, "U0SAM"));
  EXPECT_FALSE(d.may_approve({"role:sale"}, "U0SAM"));  // no prefix matching
  EXPECT_FALSE(d.may_approve({}, "U0DANA"));
}

TEST(Directory, MayApproveByPerson) {
  auto d = make_directory();
  EXPECT_TRUE(d.may_approve({"person:U0SAM"}, "U0SAM"));
  EXPECT_FALSE(d.may_approve({"person:U0SAM"}, "U0DANA"));
  EXPECT_FALSE(d.may_approve({"person:U0"}, "U0SAM"));
}

TEST(Directory, UnknownPersonMayNotApprove) {
  auto d = make_directory();
  // Even when named directly: approvers must be people in the config.
  EXPECT_FALSE(d.may_approve({"person:U0GHOST"}, "U0GHOST"));
  EXPECT_FALSE(d.may_approve({"role:director"}, "U0GHOST"));
  EXPECT_FALSE(d.may_approve({"role:director"}, ""));
  // An email is not a Slack id, even of a director.
  EXPECT_FALSE(d.may_approve({"role:director"}, "dana@acme.example"));
  EXPECT_FALSE(d.may_approve({"role:director"}, "eve@acme.example"));
}

TEST(Directory, SamePersonByIdAndEmail) {
  auto d = make_directory();
  EXPECT_TRUE(d.same_person("U0DANA", "U0DANA"));
  EXPECT_TRUE(d.same_person("U0DANA", "dana@acme.example"));
  EXPECT_TRUE(d.same_person("U0DANA", "Dana@ACME.example"));
  EXPECT_FALSE(d.same_person("U0DANA", "sam@acme.example"));
  EXPECT_FALSE(d.same_person("U0DANA", "U0SAM"));
  EXPECT_FALSE(d.same_person("U0DANA", "stranger@else.example"));
  EXPECT_FALSE(d.same_person("U0GHOST", "U0DANA"));
  // Unknown to the directory but literally equal (case-insensitive) is still the same.
  EXPECT_TRUE(d.same_person("x@else.example", "X@Else.Example"));
  EXPECT_FALSE(d.same_person("", ""));
  EXPECT_FALSE(d.same_person("U0DANA", ""));
}

// Issue 9 (4): mail to dana+x@… is Dana's mail; four-eyes must see through the alias.
TEST(Directory, SamePersonThroughSubAddressingAndCase) {
  auto d = make_directory();
  EXPECT_TRUE(d.same_person("U0DANA", "dana+x@acme.example"));
  EXPECT_TRUE(d.same_person("U0DANA", "DANA+Leads@ACME.Example"));
  EXPECT_TRUE(d.same_person("U0DANA", "Dana Director <dana+tix@acme.example>"));
  ASSERT_NE(d.find("dana+x@acme.example"), nullptr);
  EXPECT_EQ(d.find("dana+x@acme.example")->slack_id, "U0DANA");
  EXPECT_TRUE(d.same_person("U0SAM", "sam+tix@acme.example"));
  // A tag does not make another mailbox someone's: "danax", other domains, a bare tag.
  EXPECT_FALSE(d.same_person("U0DANA", "danax@acme.example"));
  EXPECT_FALSE(d.same_person("U0DANA", "dana+x@acme.example.evil"));
  EXPECT_FALSE(d.same_person("U0DANA", "+dana@acme.example"));
  // Both unknown to the directory: compared as mailboxes too.
  EXPECT_TRUE(d.same_person("x@else.example", "X+y@Else.Example"));
}

}  // namespace
}  // namespace steward::runtime
