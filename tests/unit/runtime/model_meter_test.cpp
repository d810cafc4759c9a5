// StoreModelMeter over a real store: calls stored and audited, spend per provider and UTC day
// (surviving a restart), one budget alert per provider per day.

#include "bot/runtime/model_meter.hpp"

#include "tests/unit/store/store_fixture.hpp"

namespace steward::runtime {
namespace {

using namespace std::chrono_literals;

ModelCallRecord call(std::string provider, double cost, bool ok = true) {
  ModelCallRecord c;
  c.provider = std::move(provider);
  c.model = "gpt-test";
  c.task = "draft";
  c.agent = "lead_qualifier";
  c.tokens_in = 1200;
  c.tokens_out = 300;
  c.cost_usd = cost;
  c.latency_ms = 420;
  c.ok = ok;
  if (!ok) c.error = "provider answered 503";
  c.prompt_sha256 = std::string(64, 'a');
  c.output_sha256 = std::string(64, 'b');
  return c;
}

class ModelMeterTest : public store::test::StoreTest {
 protected:
  Config slack_config() {
    Config c;
    c.slack.bot_token = Secret("xoxb-test-token");
    c.slack.signing_secret = Secret("test-signing-secret");
    c.slack.approvals_channel = "C0APPROVALS";
    return c;
  }
};

TEST_F(ModelMeterTest, RecordsStoreAndAuditEveryCallWithoutTexts) {
  Config config;
  StoreModelMeter meter(*store_, config);
  meter.record(call("openai", 0.25));
  meter.record(call("openai", 0.0, /*ok=*/false));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM model_calls"), 2);
  EXPECT_EQ(scalar("SELECT SUM(tokens_in) FROM model_calls"), 2400);
  EXPECT_EQ(text("SELECT day FROM model_calls LIMIT 1"), "2024-05-01");
  EXPECT_EQ(text("SELECT prompt_text FROM model_calls LIMIT 1"), "<null>");
  EXPECT_EQ(text("SELECT error FROM model_calls WHERE ok = 0"), "provider answered 503");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit WHERE kind = 'model.call'"), 2);
  EXPECT_EQ(text("SELECT actor FROM audit WHERE kind = 'model.call' LIMIT 1"),
            "agent:lead_qualifier");
}

TEST_F(ModelMeterTest, SpendIsPerProviderAndDayAndSurvivesARestart) {
  Config config;
  {
    StoreModelMeter meter(*store_, config);
    EXPECT_DOUBLE_EQ(meter.spent_today("openai"), 0.0);
    meter.record(call("openai", 0.5));
    meter.record(call("openai", 0.25));
    meter.record(call("claude", 1.0));
    EXPECT_DOUBLE_EQ(meter.spent_today("openai"), 0.75);
    EXPECT_DOUBLE_EQ(meter.spent_today("claude"), 1.0);
  }
  // A new meter (a restarted process) reads the day's spend back from the store.
  StoreModelMeter again(*store_, config);
  EXPECT_DOUBLE_EQ(again.spent_today("openai"), 0.75);
  // The next UTC day starts from zero.
  clock_.advance(24h);
  EXPECT_DOUBLE_EQ(again.spent_today("openai"), 0.0);
  again.record(call("openai", 0.1));
  EXPECT_DOUBLE_EQ(again.spent_today("openai"), 0.1);
}

TEST_F(ModelMeterTest, BudgetAlertIsPostedOncePerProviderPerDay) {
  Config config = slack_config();
  int woken = 0;
  StoreModelMeter meter(*store_, config);
  meter.on_alert([&] { ++woken; });
  meter.budget_exhausted("openai", 5.0);
  meter.budget_exhausted("openai", 5.0);
  StoreModelMeter restarted(*store_, config);
  restarted.budget_exhausted("openai", 5.0);
  EXPECT_EQ(woken, 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM actions WHERE kind = 'slack.post'"), 1);
  EXPECT_EQ(text("SELECT json_extract(fields, '$.channel') FROM actions"), "C0APPROVALS");
  const std::string alert = text("SELECT json_extract(fields, '$.text') FROM actions");
  EXPECT_NE(alert.find("'openai'"), std::string::npos) << alert;
  EXPECT_NE(alert.find("$5.00"), std::string::npos) << alert;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit WHERE kind = 'model.budget_exhausted'"), 1);

  meter.budget_exhausted("claude", 2.0);  // another provider alerts on its own
  clock_.advance(24h);
  meter.budget_exhausted("openai", 5.0);  // and the next day again
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM actions WHERE kind = 'slack.post'"), 3);
  EXPECT_EQ(woken, 3);
}

TEST_F(ModelMeterTest, AFailingProviderAlertsOncePerHour) {
  Config config = slack_config();
  int woken = 0;
  StoreModelMeter meter(*store_, config);
  meter.on_alert([&] { ++woken; });
  meter.record(call("openai", 0.0, /*ok=*/false));
  meter.record(call("openai", 0.0, /*ok=*/false));
  meter.record(call("openai", 0.01));  // working calls never alert
  EXPECT_EQ(woken, 1);
  ASSERT_EQ(scalar("SELECT COUNT(*) FROM actions WHERE kind = 'slack.post'"), 1);
  const std::string alert = text("SELECT json_extract(fields, '$.text') FROM actions");
  EXPECT_NE(alert.find("'openai'"), std::string::npos) << alert;
  EXPECT_NE(alert.find("provider answered 503"), std::string::npos) << alert;
  EXPECT_NE(alert.find("offline"), std::string::npos) << alert;
  clock_.advance(61min);
  meter.record(call("openai", 0.0, /*ok=*/false));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM actions WHERE kind = 'slack.post'"), 2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM model_calls"), 4);
}

TEST_F(ModelMeterTest, WithoutSlackTheBudgetIsAuditedOnly) {
  Config config;
  StoreModelMeter meter(*store_, config);
  meter.budget_exhausted("openai", 1.0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM actions"), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit WHERE kind = 'model.budget_exhausted'"), 1);
}

}  // namespace
}  // namespace steward::runtime
