// Lead scoring on the SHIPPED policies/rules/lead-scoring.toml. Totals are computed by hand from
// the shipped points (see the comments); if someone changes the file, these tests say so.

#include "agents/lead_qualifier/scoring.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace steward::agents::lead {
namespace {

const char* kShipped = STEWARD_SOURCE_DIR "/policies/rules/lead-scoring.toml";

ScoringRules shipped() {
  auto r = ScoringRules::load_file(kShipped);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  if (!r) std::abort();
  return *r;
}

boost::json::object lead(std::string_view j) { return boost::json::parse(j).as_object(); }

std::vector<std::string> ids(const Score& s) {
  std::vector<std::string> out;
  for (const auto& l : s.lines) out.push_back(l.criterion_id);
  return out;
}

TEST(ShippedLeadScoring, Shape) {
  auto r = shipped();
  EXPECT_EQ(r.criteria.size(), 10u);
  EXPECT_EQ(r.baseline, 0);
  EXPECT_EQ(r.hot, 70);
  EXPECT_EQ(r.warm, 40);
  EXPECT_EQ(r.follow_up_stages, (std::vector<std::string>{"hot", "warm"}));
  EXPECT_NE(r.follow_up_subject.find("{{company_or_team}}"), std::string::npos);
}

TEST(ShippedLeadScoring, HotLead) {
  // size-large +25, budget-large +25, intent +15, urgent +15 = 80 → hot
  auto s = score(shipped(), lead(R"({"name":"Jane Doe","email":"jane@bigco.example",
      "company":"BigCo","phone":"+1 555 0100","employees":850,"budget":60000,
      "message":"We need PRICING and a demo, ASAP please."})"));
  EXPECT_EQ(s.total, 25 + 25 + 15 + 15);
  EXPECT_EQ(s.stage, "hot");
  EXPECT_EQ(ids(s), (std::vector<std::string>{"size-large", "budget-large", "intent", "urgent"}));
  EXPECT_EQ(s.lines[0].text(),
            "+25 Large company (200+ employees): employees 850 ≥ 200 (size-large)");
  EXPECT_EQ(s.lines[2].detail, "message mentions \"pricing\", \"demo\"");
  EXPECT_EQ(s.lines[3].detail, "message mentions \"asap\"");
}

TEST(ShippedLeadScoring, WarmLead) {
  // size-mid +15, budget-mid +15, intent +15, no-phone -5 = 40 → warm (exactly the threshold)
  auto s = score(shipped(), lead(R"({"name":"Sam Lee","email":"sam@midco.example",
      "company":"MidCo","employees":"120","budget":"$15,000","message":"Could you send a quote?",
      "phone":"  "})"));
  EXPECT_EQ(s.total, 15 + 15 + 15 - 5);
  EXPECT_EQ(s.stage, "warm");
  EXPECT_EQ(ids(s), (std::vector<std::string>{"size-mid", "budget-mid", "intent", "no-phone"}));
  EXPECT_EQ(s.lines[0].detail, "employees 120 in 50–199");
  EXPECT_EQ(s.lines[3].text(), "-5 No phone number given: phone is missing (no-phone)");
}

TEST(ShippedLeadScoring, NurtureLeadWithFreeMail) {
  // size-tiny -5, free-mail -15, no-company -10, no-phone -5 = -35 → nurture
  auto s = score(shipped(), lead(R"({"name":"Pat","email":"Pat.Smith@GMAIL.com","employees":3,
      "message":"Just looking around, nobuy signals here."})"));
  EXPECT_EQ(s.total, -5 - 15 - 10 - 5);
  EXPECT_EQ(s.stage, "nurture");
  EXPECT_EQ(ids(s), (std::vector<std::string>{"size-tiny", "free-mail", "no-company", "no-phone"}));
  EXPECT_EQ(s.lines[1].detail, "email_domain gmail.com is in the list");
}

TEST(ShippedLeadScoring, BoundariesAndTextNumbers) {
  auto r = shipped();
  auto total = [&](std::string_view j) { return score(r, lead(j)).total; };
  const char* base = R"("email":"a@b.example","company":"C","phone":"1")";
  EXPECT_EQ(total(std::string("{") + base + R"(,"employees":199})"), 15);
  EXPECT_EQ(total(std::string("{") + base + R"(,"employees":200})"), 25);
  EXPECT_EQ(total(std::string("{") + base + R"(,"employees":"200+"})"), 25);
  EXPECT_EQ(total(std::string("{") + base + R"(,"employees":"1,200"})"), 25);
  EXPECT_EQ(total(std::string("{") + base + R"(,"employees":10})"), 0);
  EXPECT_EQ(total(std::string("{") + base + R"(,"employees":9})"), -5);
  EXPECT_EQ(total(std::string("{") + base + R"(,"budget":"50k"})"), 25);
  // 49999.5 falls between budget-mid (up to 49999) and budget-large (from 50000).
  EXPECT_EQ(total(std::string("{") + base + R"(,"budget":49999.5})"), 0);
  EXPECT_EQ(total(std::string("{") + base + R"(,"budget":"unknown"})"), 0);
  // "buy" starts a word in "buying" but not in "nobuy".
  EXPECT_EQ(total(std::string("{") + base + R"(,"message":"we are buying"})"), 15);
  EXPECT_EQ(total(std::string("{") + base + R"(,"message":"nobuy"})"), 0);
  EXPECT_EQ(total(std::string("{") + base + R"(,"message":"Needed before the END OF May"})"), 15);
}

// ---- loading errors ----

std::string load_error(std::string_view text) {
  auto r = ScoringRules::load_string(text, "ls.toml");
  EXPECT_FALSE(r) << text;
  return r ? std::string() : r.error().message;
}

constexpr const char* kStages = "[stages]\nhot = 70\nwarm = 40\n";

TEST(LeadScoringErrors, FileLineMessages) {
  EXPECT_EQ(load_error(std::string("[[criterion]]\nid = \"a\"\nlabel = \"A\"\nfield = \"x\"\n"
                                   "gte = 1\npoints = 5\ncolour = \"red\"\n") +
                       kStages)
                .rfind("ls.toml:7: key 'colour': unknown key", 0),
            0u);
  EXPECT_EQ(load_error(std::string("[[criterion]]\nid = \"a\"\nlabel = \"A\"\nfield = \"x\"\n"
                                   "gte = \"big\"\npoints = 5\n") +
                       kStages),
            "ls.toml:5: key 'gte': expected a number");
  EXPECT_EQ(load_error(std::string("[[criterion]]\nid = \"a\"\nlabel = \"A\"\nfield = \"x\"\n"
                                   "gte = 1\npoints = 2.5\n") +
                       kStages),
            "ls.toml:6: key 'points': expected a whole number");
  EXPECT_EQ(load_error(std::string("[[criterion]]\nlabel = \"A\"\nfield = \"x\"\ngte = 1\n"
                                   "points = 1\n") +
                       kStages),
            "ls.toml:1: key 'id': missing (required)");
  EXPECT_NE(load_error(std::string("[[criterion]]\nid = \"a\"\nlabel = \"A\"\nfield = \"x\"\n"
                                   "points = 1\n") +
                       kStages)
                .find("ls.toml:1: criterion 'a' has no test"),
            std::string::npos);
  EXPECT_NE(load_error(std::string("[[criterion]]\nid = \"a\"\nlabel = \"A\"\nfield = \"x\"\n"
                                   "gte = 1\nmissing = true\npoints = 1\n") +
                       kStages)
                .find("more than one test"),
            std::string::npos);
  EXPECT_NE(load_error(std::string("[[criterion]]\nid = \"a\"\nlabel = \"A\"\nfield = \"x\"\n"
                                   "gte = 1\npoints = 1\n[[criterion]]\nid = \"a\"\nlabel = \"B\"\n"
                                   "field = \"y\"\nlte = 1\npoints = 1\n") +
                       kStages)
                .find("ls.toml:8: key 'id': duplicate criterion id 'a'"),
            std::string::npos);
  EXPECT_NE(load_error("baseline = 0\n").find("key 'stages': missing"), std::string::npos);
  EXPECT_EQ(load_error("[stages]\nhot = 40\nwarm = 40\n"),
            "ls.toml:2: key 'hot': must be above warm");
  EXPECT_EQ(load_error(std::string(kStages) + "[follow_up]\nstages = [\"cold\"]\nsubject = \"x\"\n")
                .rfind("ls.toml:5: key 'stages': 'cold' is not a stage", 0),
            0u);
  EXPECT_EQ(load_error(std::string(kStages) + "[follow_up]\nstages = [\"hot\"]\n"),
            "ls.toml:4: key 'subject': required when stages is not empty");
  EXPECT_EQ(load_error("[stages\n").rfind("ls.toml:1: ", 0), 0u);
}

TEST(LeadScoringErrors, MissingFile) {
  auto r = ScoringRules::load_file("/nonexistent/lead-scoring.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kNotFound);
}

TEST(LeadScoring, NoFollowUpSectionMeansNoEmails) {
  auto r = ScoringRules::load_string(std::string("baseline = 10\n") + kStages, "ls.toml");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->follows_up("hot"));
  auto s = score(*r, lead("{}"));
  EXPECT_EQ(s.total, 10);
  ASSERT_EQ(s.lines.size(), 1u);
  EXPECT_EQ(s.lines[0].criterion_id, "baseline");
}

}  // namespace
}  // namespace steward::agents::lead
