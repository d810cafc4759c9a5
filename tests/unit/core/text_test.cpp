// The shared text helpers: one set of blanks, ASCII-only case folding, UTF-8-safe cutting and
// Slack's escaping.

#include "bot/core/text.hpp"

#include <gtest/gtest.h>

namespace steward {
namespace {

TEST(Text, TrimRemovesTheFourBlanksOnly) {
  EXPECT_EQ(trim(" \t\r\n a b \n\r\t "), "a b");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \t\r\n"), "");
  // Vertical tab, form feed and NUL are content, not blanks.
  EXPECT_EQ(trim("\va\f"), "\va\f");
  EXPECT_EQ(trim(std::string_view("\0x", 2)), std::string_view("\0x", 2));
}

TEST(Text, LowerFoldsAsciiOnly) {
  EXPECT_EQ(lower("MiXeD-Case 09"), "mixed-case 09");
  EXPECT_EQ(lower("ÜBER"), "Über");  // UTF-8 bytes pass unchanged
  EXPECT_EQ(lower('Q'), 'q');
  EXPECT_EQ(lower('@'), '@');
}

TEST(Text, CaseInsensitiveComparisons) {
  EXPECT_TRUE(iequals("Content-Type", "content-type"));
  EXPECT_FALSE(iequals("content-type", "content-typ"));
  EXPECT_FALSE(iequals("Ü", "ü"));
  EXPECT_TRUE(istarts_with("Basic abc", "basic "));
  EXPECT_FALSE(istarts_with("Bas", "basic "));
  EXPECT_TRUE(iends_with("Jane WROTE:", "wrote:"));
  EXPECT_FALSE(iends_with("e:", "wrote:"));
}

TEST(Text, TruncateNeverSplitsACharacter) {
  EXPECT_EQ(truncate_utf8("short", 10), "short");
  EXPECT_EQ(truncate_utf8("abcdef", 3), "abc…");
  // "é" is two bytes: a cut after its first byte backs up before it.
  EXPECT_EQ(truncate_utf8("aé", 2), "a…");
  EXPECT_EQ(truncate_utf8("€€", 4), "€…");
  EXPECT_EQ(truncate_utf8("€", 0), "…");
}

TEST(Text, FormatNumberDropsTheFractionOfWholeNumbers) {
  EXPECT_EQ(format_number(50000), "50000");
  EXPECT_EQ(format_number(-3), "-3");
  EXPECT_EQ(format_number(0.25), "0.25");
  EXPECT_EQ(format_number(1e20), "1e+20");
}

TEST(Text, ToLfTurnsEveryLineEndIntoLf) {
  EXPECT_EQ(to_lf("a\r\nb\rc\nd\r\r\n"), "a\nb\nc\nd\n\n");
  EXPECT_EQ(to_lf(""), "");
}

TEST(Text, SlackEscapeEscapesTheThreeControlCharacters) {
  EXPECT_EQ(slack_escape("a & b <@U1> > c"), "a &amp; b &lt;@U1&gt; &gt; c");
  EXPECT_EQ(slack_escape("&amp;"), "&amp;amp;");  // & first: an entity is shown, not obeyed
  EXPECT_EQ(slack_escape("*bold* `code`"), "*bold* `code`");
}

}  // namespace
}  // namespace steward
