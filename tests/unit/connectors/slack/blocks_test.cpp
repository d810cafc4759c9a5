#include "connectors/slack/blocks.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "bot/core/json.hpp"

namespace steward::slack {
namespace {

boost::json::object request_fields() {
  return boost::json::parse(R"({
    "approval_id": "apr_42",
    "channel": "C_APPROVALS",
    "title": "Send proposal to ACME <Corp> & Co",
    "summary": "Lead *ACME* scored 82; the agent drafted a proposal <script>",
    "reasons": ["amount > 10k", "new customer & first contact"],
    "draft": {"to": "ceo@acme.example", "subject": "Our <proposal>", "text": "Hello,\nhere it is & more"},
    "rule": "sales.outbound_email",
    "approvers": ["U0DIRECTOR", "finance team"],
    "expires_at": 1700003600,
    "requested_by": "agent:lead_qualifier"
  })")
      .as_object();
}

const boost::json::object* find_block(const boost::json::array& blocks, std::string_view type,
                                      std::size_t nth = 0) {
  for (const auto& b : blocks)
    if (b.as_object().at("type").as_string() == type && nth-- == 0) return &b.as_object();
  return nullptr;
}

std::string block_text(const boost::json::object& block) {
  return std::string(block.at("text").as_object().at("text").as_string());
}

TEST(SlackBlocks, TruncateRespectsCodePointsAndEntities) {
  EXPECT_EQ(truncate_text("hello", 5), "hello");
  EXPECT_EQ(truncate_text("hello!", 5), "hell…");
  EXPECT_EQ(utf8_length(truncate_text("héllo wörld", 6)), 6u);
  EXPECT_EQ(truncate_text("ééééé", 3), "éé…");
  // "ab&amp;cd" cut at 6 code points would leave "ab&am": the partial entity is dropped.
  EXPECT_EQ(truncate_text("ab&amp;cd", 6), "ab…");
  EXPECT_EQ(truncate_text("ab&amp;cd", 8), "ab&amp;…");
}

TEST(SlackBlocks, MentionOrText) {
  EXPECT_EQ(mention_or_text("U0DIRECTOR"), "<@U0DIRECTOR>");
  EXPECT_EQ(mention_or_text("W123"), "<@W123>");
  EXPECT_EQ(mention_or_text("finance <team>"), "finance &lt;team&gt;");
  EXPECT_EQ(mention_or_text("U"), "U");
}

TEST(SlackBlocks, SlackDateHasTokenAndFallback) {
  EXPECT_EQ(slack_date(1700003600),
            "<!date^1700003600^{date_short_pretty} at {time}|2023-11-14 23:13 UTC>");
}

TEST(SlackBlocks, ApprovalRequestHasAllParts) {
  auto req = approval_request_from_fields(request_fields());
  ASSERT_TRUE(req.has_value()) << req.error().message;
  RenderedMessage m = render_approval_request(*req);

  EXPECT_EQ(m.text,
            "Approval needed: Send proposal to ACME &lt;Corp&gt; &amp; Co — Lead *ACME* scored 82; "
            "the agent drafted a proposal &lt;script&gt;");
  ASSERT_LE(m.blocks.size(), kMaxBlocks);

  const auto* header = find_block(m.blocks, "header");
  ASSERT_NE(header, nullptr);
  EXPECT_EQ(header->at("text").as_object().at("type").as_string(), "plain_text");
  EXPECT_EQ(block_text(*header), "Send proposal to ACME &lt;Corp&gt; &amp; Co");

  const auto* summary = find_block(m.blocks, "section", 0);
  ASSERT_NE(summary, nullptr);
  EXPECT_EQ(block_text(*summary),
            "Lead *ACME* scored 82; the agent drafted a proposal &lt;script&gt;");

  const auto* reasons = find_block(m.blocks, "section", 1);
  ASSERT_NE(reasons, nullptr);
  EXPECT_NE(block_text(*reasons).find("• amount &gt; 10k"), std::string::npos);
  EXPECT_NE(block_text(*reasons).find("• new customer &amp; first contact"), std::string::npos);

  const auto* draft = find_block(m.blocks, "section", 2);
  ASSERT_NE(draft, nullptr);
  std::string d = block_text(*draft);
  EXPECT_NE(d.find("> *To:* ceo@acme.example"), std::string::npos) << d;
  EXPECT_NE(d.find("> *Subject:* Our &lt;proposal&gt;"), std::string::npos) << d;
  EXPECT_NE(d.find("> Hello,\n> here it is &amp; more"), std::string::npos) << d;

  const auto* context = find_block(m.blocks, "context");
  ASSERT_NE(context, nullptr);
  std::string ctx = boost::json::serialize(context->at("elements"));
  EXPECT_NE(ctx.find("sales.outbound_email"), std::string::npos);
  EXPECT_NE(ctx.find("<@U0DIRECTOR>, finance team"), std::string::npos);
  EXPECT_NE(ctx.find("<!date^1700003600^{date_short_pretty} at {time}|"), std::string::npos);
  EXPECT_LE(context->at("elements").as_array().size(), 10u);

  const auto* actions = find_block(m.blocks, "actions");
  ASSERT_NE(actions, nullptr);
  EXPECT_EQ(actions->at("block_id").as_string(), "approval:apr_42");
  const auto& buttons = actions->at("elements").as_array();
  ASSERT_EQ(buttons.size(), 2u);
  const auto& approve = buttons[0].as_object();
  const auto& reject = buttons[1].as_object();
  EXPECT_EQ(approve.at("action_id").as_string(), "approval.approve");
  EXPECT_EQ(approve.at("value").as_string(), "apr_42");
  EXPECT_EQ(approve.at("style").as_string(), "primary");
  EXPECT_EQ(reject.at("action_id").as_string(), "approval.reject");
  EXPECT_EQ(reject.at("value").as_string(), "apr_42");
  EXPECT_EQ(reject.at("style").as_string(), "danger");
  for (const auto* b : {&approve, &reject}) {
    ASSERT_TRUE(b->contains("confirm"));
    const auto& confirm = b->at("confirm").as_object();
    for (auto key : {"title", "text", "confirm", "deny"}) {
      ASSERT_TRUE(confirm.contains(key)) << key;
      EXPECT_EQ(confirm.at(key).as_object().at("type").as_string(), "plain_text");
    }
    EXPECT_LE(utf8_length(confirm.at("text").as_object().at("text").as_string()), 300u);
  }
}

TEST(SlackBlocks, ApprovalRequestRespectsLimits) {
  auto f = request_fields();
  f["title"] = std::string(400, 'T');
  f["summary"] = std::string(5000, '&');  // 25000 bytes once escaped
  boost::json::array reasons;
  for (int i = 0; i < 500; ++i) reasons.emplace_back("reason number " + std::to_string(i));
  f["reasons"] = reasons;
  f["draft"].as_object()["text"] = std::string(10000, 'x');
  auto req = approval_request_from_fields(f);
  ASSERT_TRUE(req.has_value());
  RenderedMessage m = render_approval_request(*req);
  EXPECT_LE(m.blocks.size(), kMaxBlocks);
  EXPECT_LE(utf8_length(m.text), kMaxFallbackText);
  for (const auto& b : m.blocks) {
    const auto& block = b.as_object();
    if (block.at("type") == "header") {
      EXPECT_LE(utf8_length(block_text(block)), kMaxHeaderText);
    }
    if (block.at("type") == "section") {
      std::string text = block_text(block);
      EXPECT_LE(utf8_length(text), kMaxSectionText);
      if (text.size() > 2000) {
        EXPECT_TRUE(text.ends_with("…")) << text.substr(text.size() - 20);
      }
    }
  }
  std::string summary = block_text(*find_block(m.blocks, "section", 0));
  EXPECT_TRUE(summary.ends_with("&amp;…")) << summary.substr(summary.size() - 20);
}

TEST(SlackBlocks, ApprovalRequestFieldErrors) {
  auto f = request_fields();
  f.erase("title");
  auto r = approval_request_from_fields(f);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInvalidInput);
  EXPECT_NE(r.error().message.find("title"), std::string::npos);

  f = request_fields();
  f["approval_id"] = std::string(kMaxApprovalIdLength + 1, 'a');
  EXPECT_FALSE(approval_request_from_fields(f).has_value());
  f = request_fields();
  f["reasons"] = "not a list";
  EXPECT_FALSE(approval_request_from_fields(f).has_value());
  f = request_fields();
  f["approvers"] = boost::json::array{1, 2};
  EXPECT_FALSE(approval_request_from_fields(f).has_value());
  f = request_fields();
  f["expires_at"] = "tomorrow";
  EXPECT_FALSE(approval_request_from_fields(f).has_value());
  f = request_fields();
  f["draft"] = "text";
  EXPECT_FALSE(approval_request_from_fields(f).has_value());

  // Only the required fields: renders without optional parts, still with buttons.
  auto minimal = approval_request_from_fields(
      boost::json::parse(R"({"approval_id":"a1","channel":"C1","title":"t"})").as_object());
  ASSERT_TRUE(minimal.has_value());
  auto m = render_approval_request(*minimal);
  EXPECT_NE(find_block(m.blocks, "actions"), nullptr);
  EXPECT_FALSE(m.text.empty());
}

TEST(SlackBlocks, ModelWrittenRequestSaysSoBeforeTheDraft) {
  auto plain = approval_request_from_fields(request_fields());
  ASSERT_TRUE(plain.has_value());
  for (const auto& b : render_approval_request(*plain).blocks)
    EXPECT_EQ(boost::json::serialize(b).find("Written by a model"), std::string::npos);

  auto f = request_fields();
  f["drafted_by"] = "local/llama<3>";
  auto req = approval_request_from_fields(f);
  ASSERT_TRUE(req.has_value()) << req.error().message;
  auto m = render_approval_request(*req);
  std::size_t model_at = m.blocks.size(), draft_at = m.blocks.size();
  for (std::size_t i = 0; i < m.blocks.size(); ++i) {
    const std::string text = boost::json::serialize(m.blocks[i]);
    if (text.find("Written by a model") != std::string::npos) {
      model_at = i;
      EXPECT_NE(text.find("`local/llama&lt;3&gt;`"), std::string::npos) << text;
    }
    if (text.find("Draft email") != std::string::npos) draft_at = i;
  }
  ASSERT_LT(model_at, m.blocks.size());
  EXPECT_LT(model_at, draft_at) << "the approver reads who wrote it before the draft";
  f["drafted_by"] = 7;
  EXPECT_FALSE(approval_request_from_fields(f).has_value());
}

boost::json::object outcome_fields(std::string_view status) {
  auto o = boost::json::parse(R"({
    "approval_id": "apr_42", "channel": "C1", "ts": "1700000000.000100",
    "title": "Send proposal <ACME>", "summary": "Lead scored 82",
    "decided_by": "U0DIRECTOR", "decided_at": 1700000100, "note": "ok but cc me & finance"
  })")
               .as_object();
  o["status"] = status;
  return o;
}

TEST(SlackBlocks, ApprovedOutcome) {
  auto o = approval_outcome_from_fields(outcome_fields("approved"));
  ASSERT_TRUE(o.has_value()) << o.error().message;
  auto m = render_approval_outcome(*o);
  EXPECT_EQ(find_block(m.blocks, "actions"), nullptr);
  std::string all = boost::json::serialize(m.blocks);
  EXPECT_NE(all.find("✅ Approved by <@U0DIRECTOR> at <!date^1700000100^"), std::string::npos)
      << all;
  EXPECT_NE(all.find("Send proposal &lt;ACME&gt;"), std::string::npos);
  EXPECT_NE(all.find("ok but cc me &amp; finance"), std::string::npos);
  EXPECT_NE(m.text.find("✅ Approved by <@U0DIRECTOR>"), std::string::npos);
}

TEST(SlackBlocks, RejectedAndExpiredOutcomes) {
  auto rejected = approval_outcome_from_fields(outcome_fields("rejected"));
  ASSERT_TRUE(rejected.has_value());
  std::string r = boost::json::serialize(render_approval_outcome(*rejected).blocks);
  EXPECT_NE(r.find("❌ Rejected by <@U0DIRECTOR> at"), std::string::npos) << r;

  auto f = outcome_fields("expired");
  f["decided_by"] = "";
  f["note"] = "";
  auto expired = approval_outcome_from_fields(f);
  ASSERT_TRUE(expired.has_value());
  auto m = render_approval_outcome(*expired);
  std::string e = boost::json::serialize(m.blocks);
  EXPECT_NE(e.find("⌛ Expired at <!date^1700000100^"), std::string::npos) << e;
  EXPECT_EQ(e.find(" by "), std::string::npos);
  EXPECT_EQ(find_block(m.blocks, "actions"), nullptr);

  auto dashboard = outcome_fields("approved");
  dashboard["decided_by"] = "";
  auto d = approval_outcome_from_fields(dashboard);
  ASSERT_TRUE(d.has_value());
  EXPECT_NE(render_approval_outcome(*d).text.find("✅ Approved at"), std::string::npos);
}

TEST(SlackBlocks, OutcomeFieldErrors) {
  auto bad = approval_outcome_from_fields(outcome_fields("maybe"));
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("status"), std::string::npos);
  auto f = outcome_fields("approved");
  f.erase("ts");
  auto no_ts = approval_outcome_from_fields(f);
  ASSERT_FALSE(no_ts.has_value());
  EXPECT_NE(no_ts.error().message.find("'ts'"), std::string::npos);
}

}  // namespace
}  // namespace steward::slack
