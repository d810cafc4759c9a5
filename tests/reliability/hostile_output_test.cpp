// What outside text can reach: log lines, stored actors, the operator's terminal, and
// secrets in `steward check` output and config errors (fixture: hostile_fixture.hpp).

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "tests/reliability/hostile_fixture.hpp"
#include "tests/support/sanitized.hpp"
#include "tests/support/wait.hpp"

namespace steward::testing::hostile {
namespace {

TEST_F(HostileInput, OutsideNamesAndAddressesNeverForgeLogLinesActorsOrTerminalOutput) {
  ASSERT_NO_FATAL_FAILURE(start());
  // Lower case: the connector lower-cases addresses, and the forged line must still be found.
  const std::string marker = "forged-" + crypto::random_hex(3);
  // What a forged spdlog line looks like; the CR/LF before it is what the attacker hopes starts
  // a new line in the log.
  const std::string forged = "[2026-12-03 00:00:00.000] [info] " + marker;
  const std::string crlf = "\r\n" + forged;
  // A reply token with a wrong MAC: the connector logs that it ignores it, naming the sender.
  const std::string bad_token = "reply+conv_forged.AAAAAAAAAAAAAAAAAAAAAAAAAA@in.acme.example";
  const std::string R = "log forging";

  // Postmark: the sender, display name and subject carry the forged line; the subject also
  // carries a terminal escape (set the window title, clear the screen).
  const auto pm_id = next_id("pm-forge") + "@customer.example";
  boost::json::object pm{
      {"From", "ann@customer.example" + crlf},
      {"FromFull",
       {{"Email", "ann@customer.example" + crlf}, {"Name", "Ann" + crlf}, {"MailboxHash", ""}}},
      {"To", bad_token},
      {"ToFull", boost::json::array{{{"Email", bad_token}, {"Name", ""}}}},
      {"CcFull", boost::json::array{{{"Email", "cc@acme.example" + crlf}, {"Name", ""}}}},
      {"Subject", "Refund\x1b]0;pwned\x07\x1b[2J" + crlf},
      {"TextBody", "Where is my parcel?"},
      {"Headers", boost::json::array{{{"Name", "Message-ID"}, {"Value", "<" + pm_id + ">"}}}}};
  auto pm_reply = postmark(boost::json::serialize(pm));
  expect_accepted(R, "postmark", "CR/LF in sender, name, subject", pm_reply, "email:" + pm_id);

  // Mailgun, correctly signed: the envelope sender and the From header carry the forged line.
  const auto mg_id = next_id("mg-forge") + "@customer.example";
  auto mg = mailgun_mail(mg_id);
  for (auto& [k, v] : mg) {
    if (k == "sender") v = "ann@customer.example" + crlf;
    if (k == "from") v = "\"Ann" + crlf + "\" <ann@customer.example" + crlf + ">";
    if (k == "recipient") v = bad_token;
    if (k == "subject") v = "Order" + crlf;
  }
  expect_accepted(R, "mailgun", "CR/LF in sender, from, subject", mailgun_signed(mg),
                  "email:" + mg_id);

  // SendGrid: the envelope sender carries it, and a declared charset (logged when unknown).
  const auto sg_id = next_id("sg-forge") + "@customer.example";
  auto sg = sendgrid_mail(sg_id);
  // (The old log line cut the charset at 32 bytes: the marker alone fits.)
  sg.emplace_back("charsets", R"({"text":"x\r\n)" + marker + R"("})");
  for (auto& [k, v] : sg) {
    if (k == "from") v = "Ann" + crlf + " <ann@customer.example" + crlf + ">";
    if (k == "envelope")
      v = R"({"to":[")" + bad_token + R"("],"from":"ann@customer.example\r\n)" + forged + R"("})";
  }
  expect_accepted(R, "sendgrid", "CR/LF in sender and envelope", sendgrid(multipart(sg)),
                  "email:" + sg_id);

  // Slack: a user name and command text with a newline are kept (as data); a user id with one
  // is not a Slack id.
  auto cmd = urlencoded({{"command", "/steward"},
                         {"text", "help" + crlf},
                         {"user_id", "U_DANA"},
                         {"user_name", "dana" + crlf},
                         {"channel_id", "C_HOSTILE"},
                         {"team_id", "T0FAKE"},
                         {"trigger_id", "tr-forge-1"}});
  expect_accepted(R, "slack command", "CR/LF in user name and text",
                  slack_signed("/slack/commands", cmd), "slack:cmd:tr-forge-1");
  auto bad_cmd = urlencoded({{"command", "/steward"},
                             {"text", "help"},
                             {"user_id", "U_DANA" + crlf},
                             {"user_name", "dana"},
                             {"channel_id", "C_HOSTILE"},
                             {"team_id", "T0FAKE"},
                             {"trigger_id", "tr-forge-2"}});
  expect(R, "slack command", "CR/LF in user id", slack_signed("/slack/commands", bad_cmd), 400);
  boost::json::object click{{"type", "block_actions"},
                            {"user", {{"id", "U_DANA"}, {"username", "dana" + crlf}}},
                            {"team", {{"id", "T0FAKE"}}},
                            {"container", {{"channel_id", "C_HOSTILE"}, {"message_ts", "1.1"}}},
                            {"trigger_id", "tr-forge-3"},
                            {"actions", boost::json::array{{{"action_id", "hostile.noop"},
                                                            {"block_id", "b1"},
                                                            {"value", "v" + crlf},
                                                            {"action_ts", "77.1"}}}}};
  expect_accepted(R, "slack interaction", "CR/LF in user name and value",
                  slack_signed("/slack/interactivity",
                               urlencoded({{"payload", boost::json::serialize(click)}})),
                  "slack:action:U_DANA:77.1");
  click["user"] = {{"id", "U_DANA" + crlf}, {"username", "dana"}};
  click["actions"].as_array()[0].as_object()["action_ts"] = "77.2";
  expect(R, "slack interaction", "CR/LF in user id",
         slack_signed("/slack/interactivity",
                      urlencoded({{"payload", boost::json::serialize(click)}})),
         400);

  // Forms: free-text fields may hold newlines (they are data); the address may not.
  const auto form_id = next_id("form-forge");
  boost::json::object form{{"event_id", form_id},
                           {"fields",
                            {{"name", "Ann" + crlf},
                             {"email", "ann@customer.example"},
                             {"company", "Customer Ltd" + crlf},
                             {"message", "Please call me." + crlf}}}};
  expect_accepted(R, "form", "CR/LF in name, company, message",
                  form_signed(boost::json::serialize(form)), "form:website:" + form_id);
  form["event_id"] = next_id("form-forge");
  form["fields"].as_object()["email"] = "ann@customer.example" + crlf;
  expect(R, "form", "CR/LF in the address", form_signed(boost::json::serialize(form)), 400);

  // Let the runtime file and triage the mails (its logs and audit entries are checked too).
  wait_until(
      [&] { return steward_->count("SELECT count(*) FROM inbox WHERE status = 'pending'") == 0; },
      20s);
  steward_->stop(SIGTERM, 15s);

  const std::string text = log();
  std::size_t pos = 0, at_line_start = 0;
  std::string first;
  while ((pos = text.find(marker, pos)) != std::string::npos) {
    // The forged text is "[date] [info] MARKER": find where its line starts.
    auto line = text.rfind('\n', pos);
    auto cr = text.rfind('\r', pos);
    if (cr != std::string::npos && (line == std::string::npos || cr > line)) line = cr;
    auto start = line == std::string::npos ? 0 : line + 1;
    if (text.compare(start, forged.size(), forged) == 0 || start == pos) {
      if (at_line_start++ == 0) first = text.substr(start > 200 ? start - 200 : 0, 400);
    }
    pos += marker.size();
  }
  EXPECT_EQ(at_line_start, 0u) << "outside text starts " << at_line_start << " log line(s), e.g.:\n"
                               << first;

  // No stored actor, audit actor or address is attacker-formatted text.
  auto has_control = [](const std::string& s) {
    for (unsigned char c : s)
      if (c < 0x20 || c == 0x7f) return true;
    return false;
  };
  std::map<std::string, std::string> actors;
  for (const auto& row : steward_->query("SELECT dedupe_key, actor, payload FROM inbox")) {
    const std::string key = row[0];
    const std::string actor = row[1];
    actors[key] = actor;
    EXPECT_FALSE(has_control(actor)) << key << ": actor " << clip(actor);
    EXPECT_EQ(actor.find(marker), std::string::npos) << key << ": actor " << clip(actor);
    boost::system::error_code ec;
    auto payload = boost::json::parse(row[2], ec);
    ASSERT_FALSE(ec) << key;
    if (key.rfind("email:", 0) != 0) continue;
    const auto& p = payload.as_object();
    for (const char* field : {"from", "from_name", "subject"}) {
      auto v = steward::testing::jstr(payload, field);
      EXPECT_FALSE(has_control(v)) << key << ": " << field << " " << clip(v);
      if (std::string(field) == "from") {
        EXPECT_EQ(v.find(marker), std::string::npos) << key << ": from " << clip(v);
      }
    }
    for (const char* list : {"to", "cc"}) {
      const auto* a = p.if_contains(list);
      if (!a || !a->is_array()) continue;
      for (const auto& addr : a->as_array()) {
        EXPECT_EQ(std::string(addr.as_string()).find(marker), std::string::npos)
            << key << ": " << list << " " << clip(std::string(addr.as_string()));
      }
    }
  }
  // Postmark's FromFull.Email is taken as sent: not an address, so the mail is kept with the
  // sender marked invalid. Mailgun's and SendGrid's From go through GMime's address parser,
  // which may take the addr-spec out of the brackets; either way never the forged text.
  EXPECT_EQ(actors["email:" + pm_id], "invalid-sender");
  for (const auto& id : {mg_id, sg_id}) {
    const auto& actor = actors["email:" + id];
    EXPECT_TRUE(actor == "invalid-sender" || actor == "ann@customer.example")
        << id << ": " << actor;
  }
  EXPECT_EQ(actors["form:website:" + form_id], "ann@customer.example");
  EXPECT_EQ(actors["slack:cmd:tr-forge-1"], "U_DANA");
  for (const auto& row : steward_->query("SELECT actor FROM audit")) {
    const std::string& actor = row[0];
    EXPECT_FALSE(has_control(actor)) << "audit actor " << clip(actor);
    EXPECT_EQ(actor.find(marker), std::string::npos) << "audit actor " << clip(actor);
  }

  // What the operator's terminal shows: no raw ESC, CR or LF from outside.
  auto event_id = steward::testing::jstr(boost::json::parse(pm_reply.body), "event_id");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"tickets"}, std::vector<std::string>{"audit", "trace", event_id},
        std::vector<std::string>{"approvals", "list", "--all"}}) {
    const std::string sub = args.size() == 1 ? args[0] : args[0] + " " + args[1];
    auto [rc, out] = steward_->cli(args);
    EXPECT_EQ(out.find('\x1b'), std::string::npos) << sub << ": raw ESC in\n" << out;
    EXPECT_EQ(out.find('\r'), std::string::npos) << sub << ": raw CR in\n" << out;
    std::size_t p = 0;
    while ((p = out.find(marker, p)) != std::string::npos) {
      auto line = out.rfind('\n', p);
      auto start = line == std::string::npos ? 0 : line + 1;
      EXPECT_NE(out.compare(start, forged.size(), forged), 0) << sub << ": a forged line in\n"
                                                              << out;
      p += marker.size();
    }
  }
}

TEST_F(HostileInput, CheckCommandAndConfigErrorsNeverPrintSecrets) {
  steward_->write_config();
  auto [rc, out] = steward_->cli({"check"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("OK"), std::string::npos) << out;
  for (const auto& [name, needle] : secrets_.needles())
    EXPECT_EQ(out.find(needle), std::string::npos) << name << " in `steward check` output";

  // A config error about a secret-bearing key must not echo the value.
  const std::string leaked = "leak-" + crypto::random_hex(10);
  auto bad = steward_->dir() / "bad.toml";
  std::ofstream(bad) << "[email]\nfrom = \"A <a@acme.example>\"\nsmtp_url = \"http://u:" << leaked
                     << "@relay.example\"\n";
  auto [rc2, out2] = steward_->run_binary({"check", "--config", bad.string()}, false);
  EXPECT_NE(rc2, 0) << out2;
  EXPECT_EQ(out2.find(leaked), std::string::npos) << "smtp_url password echoed: " << out2;
  auto bad2 = steward_->dir() / "bad2.toml";
  std::ofstream(bad2) << "[slack]\nbot_token = \"xoxb-" << leaked << "\"\n";
  auto [rc3, out3] = steward_->run_binary({"check", "--config", bad2.string()}, false);
  EXPECT_NE(rc3, 0) << out3;
  EXPECT_EQ(out3.find(leaked), std::string::npos) << "bot token echoed: " << out3;
}
}  // namespace
}  // namespace steward::testing::hostile
