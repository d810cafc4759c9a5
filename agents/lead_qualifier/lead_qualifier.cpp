#include "agents/lead_qualifier/lead_qualifier.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <sstream>
#include <system_error>
#include <utility>

#include "agents/common/text.hpp"
#include "bot/core/json.hpp"
#include "bot/core/mailbox.hpp"
#include "bot/core/text.hpp"

namespace steward::agents::lead {

namespace {

namespace mstch = kainjow::mustache;
using namespace common;  // agents/common: every agent's drafting helpers

// A lead field as display text ("" when absent); numbers are shown without a fraction.
std::string text_field(const boost::json::object& fields, std::string_view key) {
  auto it = fields.find(key);
  if (it == fields.end()) return {};
  const auto& v = it->value();
  if (v.is_string()) return one_line(trim(std::string_view(v.get_string())));
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_double() && std::isfinite(v.get_double())) {
    return std::to_string(static_cast<long long>(v.get_double()));
  }
  return {};
}

const char* stage_emoji(std::string_view stage) {
  if (stage == "hot") return "🔥";
  if (stage == "warm") return "☀️";
  return "🌱";
}

}  // namespace

std::string summarise_need(std::string_view message, std::size_t max_chars) {
  std::string text(trim(message));
  if (text.empty()) return {};
  // First sentence: up to the first line break or ". ", "! ", "? " (or the end).
  std::size_t end = text.size();
  for (std::size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (ch == '\n' || ch == '\r') {
      end = i;
      break;
    }
    if ((ch == '.' || ch == '!' || ch == '?') && (i + 1 == text.size() || text[i + 1] == ' ')) {
      end = i + 1;
      break;
    }
  }
  std::string first = one_line(trim(std::string_view(text).substr(0, end)));
  if (first.size() > max_chars) {
    auto cut = first.rfind(' ', max_chars);
    if (cut == std::string::npos || cut < max_chars / 2) cut = max_chars;
    first = truncate_utf8(first.substr(0, cut), max_chars);
    while (!first.empty() && (first.back() == ',' || first.back() == ' ')) first.pop_back();
    return first + "…";
  }
  while (!first.empty() && (first.back() == '.' || first.back() == '!' || first.back() == '?')) {
    first.pop_back();
  }
  return first;
}

[[nodiscard]] Expected<LeadQualifierConfig> load_config(const std::filesystem::path& rules_dir,
                                                        const std::filesystem::path& templates_dir,
                                                        std::string sales_channel,
                                                        std::string company_name,
                                                        std::string sender_name) {
  auto rules = ScoringRules::load_file(rules_dir / "lead-scoring.toml");
  if (!rules) return Unexpected(rules.error());
  const auto tmpl_path = templates_dir / "lead-follow-up.mustache";
  auto tmpl = common::read_file(tmpl_path);
  if (!tmpl) return Unexpected(tmpl.error());
  for (const auto& [text, where] :
       {std::pair{*tmpl, tmpl_path.string()},
        std::pair{rules->follow_up_subject,
                  (rules_dir / "lead-scoring.toml").string() + " [follow_up] subject"}}) {
    mstch::mustache check{text};
    if (!check.is_valid()) {
      return fail(Errc::kInvalidInput, where + ": template error: " + check.error_message());
    }
  }
  LeadQualifierConfig cfg;
  cfg.subject_template = rules->follow_up_subject;
  cfg.rules = std::move(*rules);
  cfg.follow_up_template = std::move(*tmpl);
  cfg.sales_channel = std::move(sales_channel);
  cfg.company_name = std::move(company_name);
  cfg.sender_name = std::move(sender_name);
  return cfg;
}

Expected<Plan> LeadQualifier::handle(const Event& event, AgentContext& ctx) const {
  if (event.kind != "form.submitted") {
    return fail(Errc::kInvalidInput, "lead_qualifier handles form.submitted, not " + event.kind);
  }
  const auto* fields_in = json::get_object(event.payload, "fields");
  if (!fields_in) {
    return fail(Errc::kInvalidInput, "form.submitted payload has no 'fields' object");
  }
  const std::string form = json::string_or(event.payload, "form", "form");

  const std::string email = lower(text_field(*fields_in, "email"));
  if (email.empty()) return fail(Errc::kInvalidInput, "the lead has no email address");
  if (!is_email_address(email)) {
    return fail(Errc::kInvalidInput, "the lead's email address is not valid");
  }
  const std::string domain = email_domain(email);
  const std::string person = text_field(*fields_in, "name");
  const std::string company = text_field(*fields_in, "company");
  const std::string phone = text_field(*fields_in, "phone");
  const std::string message = [&] {
    auto it = fields_in->find("message");
    return it != fields_in->end() && it->value().is_string()
               ? std::string(trim(std::string_view(it->value().get_string())))
               : std::string();
  }();

  boost::json::object lead_fields = *fields_in;
  lead_fields["email"] = email;
  const Score s = score(config_.rules, lead_fields);
  const bool is_new = !ctx.find_lead(email).has_value();

  const std::string who = person.empty() ? email : person;
  const std::string who_company = company.empty() ? who : who + " (" + company + ")";
  const std::string verdict = s.stage + ", score " + std::to_string(s.total);

  Plan plan;
  plan.agent = std::string(name());
  boost::json::array breakdown;
  for (const auto& line : s.lines) {
    plan.notes.push_back(line.text());
    breakdown.emplace_back(line.text());
  }
  plan.notes.push_back("total " + std::to_string(s.total) + " → " + s.stage + " (hot ≥ " +
                       std::to_string(config_.rules.hot) + ", warm ≥ " +
                       std::to_string(config_.rules.warm) + ")" +
                       (is_new ? "" : "; already in the pipeline"));
  plan.facts["lead"] = boost::json::object{{"email", email},
                                           {"domain", domain},
                                           {"score", s.total},
                                           {"stage", s.stage},
                                           {"is_new", is_new}};

  // a) Steward's own pipeline record.
  {
    Action a;
    a.kind = "pipeline.upsert";
    a.fields = {{"email", email},         {"name", person},     {"company", company},
                {"phone", phone},         {"stage", s.stage},   {"score", s.total},
                {"breakdown", breakdown}, {"source_form", form}};
    a.summary = "Lead " + who_company + " → " + verdict;
    plan.actions.push_back(std::move(a));
  }

  // b) The sales-channel alert. Everything the lead typed is escaped for Slack.
  {
    const std::string esc_who = slack_escape(truncate_utf8(who, kMaxFieldChars));
    const std::string esc_company =
        company.empty() ? "_not given_" : slack_escape(truncate_utf8(company, kMaxFieldChars));
    const std::string esc_email = slack_escape(truncate_utf8(email, kMaxFieldChars));
    std::string lines;
    for (const auto& line : s.lines) lines += "• " + slack_escape(line.text()) + "\n";
    if (lines.empty()) lines = "• no criterion applied\n";
    std::string breakdown_text = truncate_utf8(
        "*Score breakdown* (total " + std::to_string(s.total) + ")\n" + lines, kMaxSectionChars);

    boost::json::array blocks;
    blocks.push_back(boost::json::object{
        {"type", "header"},
        {"text", plain_text(std::string(stage_emoji(s.stage)) + " New " + s.stage +
                            " lead (score " + std::to_string(s.total) + ")")}});
    blocks.push_back(boost::json::object{
        {"type", "section"},
        {"fields", boost::json::array{
                       mrkdwn("*Name*\n" + esc_who), mrkdwn("*Company*\n" + esc_company),
                       mrkdwn("*Email*\n" + esc_email),
                       mrkdwn("*Score*\n" + std::to_string(s.total) + " (" + s.stage + ")")}}});
    blocks.push_back(
        boost::json::object{{"type", "section"}, {"text", mrkdwn(std::move(breakdown_text))}});
    blocks.push_back(boost::json::object{
        {"type", "context"},
        {"elements",
         boost::json::array{mrkdwn("Form: " + slack_escape(truncate_utf8(form, kMaxFieldChars)) +
                                   (is_new ? " · new lead" : " · already in the pipeline"))}}});

    Action a;
    a.kind = "slack.post";
    a.fields = {{"channel", config_.sales_channel},
                {"text", slack_escape("New lead: " + who_company + " — " + verdict)},
                {"blocks", std::move(blocks)}};
    a.summary = "Lead alert in the sales channel: " + who_company + " → " + verdict;
    plan.actions.push_back(std::move(a));
  }

  // c) A drafted follow-up email for qualified stages.
  if (config_.rules.follows_up(s.stage)) {
    const std::string first_name = [&] {
      auto n = trim(person);
      auto sp = n.find(' ');
      return n.empty() ? std::string("there") : std::string(n.substr(0, sp));
    }();
    const std::string need = summarise_need(message);
    mstch::data data;
    data.set("first_name", first_name);
    data.set("name", person.empty() ? std::string("there") : person);
    data.set("company", company);
    data.set("has_company", !company.empty());
    data.set("company_or_team", company.empty() ? std::string("your team") : company);
    data.set("need", need);
    data.set("has_need", !need.empty());
    data.set("company_name", config_.company_name);
    data.set("sender_name", config_.sender_name);
    data.set("stage", s.stage);
    data.set("score", std::to_string(s.total));

    auto body = render(config_.follow_up_template, data, "lead-follow-up template");
    if (!body) return Unexpected(body.error());
    auto subject = render(config_.subject_template, data, "follow-up subject template");
    if (!subject) return Unexpected(subject.error());

    Action a;
    a.kind = "email.send";
    // The subject carries what the lead typed: keep it on one line (no header injection).
    a.fields = {{"to", email}, {"subject", one_line(trim(*subject))}, {"text", *body}};
    a.summary = "Follow-up email to " + email;
    plan.actions.push_back(std::move(a));
  }
  return plan;
}

[[nodiscard]] Expected<std::unique_ptr<Agent>> make(const common::AgentSetup& setup) {
  return common::build<LeadQualifier>(
      "lead qualifier", load_config(setup.rules_dir, setup.templates_dir, setup.sales_channel,
                                    setup.company_name, setup.sender_name));
}

}  // namespace steward::agents::lead
