#include "bot/core/printable.hpp"

#include <gtest/gtest.h>

#include <string>

namespace steward {
namespace {

TEST(Printable, EscapesLineBreaksAndTerminalControls) {
  EXPECT_EQ(printable("a\r\nb"), "a\\x0d\\x0ab");
  EXPECT_EQ(printable(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(printable("\x1b]0;pwned\x07\x1b[2J"), "\\x1b]0;pwned\\x07\\x1b[2J");
  EXPECT_EQ(printable("del\x7f"), "del\\x7f");
}

TEST(Printable, KeepsReadableUtf8) {
  EXPECT_EQ(printable("Grégoire Müller — 東京 ✓"), "Grégoire Müller — 東京 ✓");
  EXPECT_EQ(printable("plain ascii, with punctuation <a@b.example>"),
            "plain ascii, with punctuation <a@b.example>");
}

TEST(Printable, EscapesC1ControlsSeparatorsAndBidiOverrides) {
  EXPECT_EQ(printable("\xc2\x9b"
                      "2J"),
            "\\u009b2J");                                                // U+009B CSI
  EXPECT_EQ(printable("\xc2\x85next"), "\\u0085next");                   // U+0085 NEL
  EXPECT_EQ(printable("a\xe2\x80\xa8z"), "a\\u2028z");                   // line separator
  EXPECT_EQ(printable("a\xe2\x80\xa9z"), "a\\u2029z");                   // paragraph separator
  EXPECT_EQ(printable("x\xe2\x80\xaegpj.exe"), "x\\u202egpj.exe");       // right-to-left override
  EXPECT_EQ(printable("\xe2\x81\xa6x\xe2\x81\xa9"), "\\u2066x\\u2069");  // isolates
  EXPECT_EQ(printable("\xc2\xa0"), "\xc2\xa0");                          // U+00A0 is printable
}

TEST(Printable, EscapesBytesThatAreNotUtf8) {
  EXPECT_EQ(printable("\x9b"
                      "2J"),
            "\\x9b2J");                                     // CSI on a Latin-1 terminal
  EXPECT_EQ(printable("\xc3"), "\\xc3");                    // truncated sequence
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");           // overlong '/'
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
}

TEST(Printable, CutsAtMaxBytesButNeverInsideACharacter) {
  EXPECT_EQ(printable("abcdef", 3), "abc…");
  EXPECT_EQ(printable("abc", 3), "abc");
  // "é" is two bytes; a cut at 2 would split it, so it is left out whole.
  EXPECT_EQ(printable("aé", 2), "a…");
  EXPECT_EQ(printable("aé", 3), "aé");
  EXPECT_EQ(printable(std::string(1000, 'x')).size(), 200 + std::string("…").size());
}

TEST(SingleLine, ReplacesEveryUnsafeCharacterWithOneSpace) {
  EXPECT_EQ(single_line("Ann\r\n[2026-12-03 00:00:00.000] [info] FORGED"),
            "Ann [2026-12-03 00:00:00.000] [info] FORGED");
  EXPECT_EQ(single_line("a\nb\rc\td"), "a b c d");
  EXPECT_EQ(single_line("Refund\x1b]0;pwned\x07"), "Refund ]0;pwned ");
  EXPECT_EQ(single_line("a\xe2\x80\xa8z\xc2\x85"), "a z ");
  EXPECT_EQ(single_line("bad \xff byte"), "bad   byte");
  EXPECT_EQ(single_line("Grégoire — Überweisung ✓"), "Grégoire — Überweisung ✓");
  EXPECT_EQ(single_line(""), "");
}

}  // namespace
}  // namespace steward
