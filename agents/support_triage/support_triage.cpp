#include "agents/support_triage/support_triage.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include "agents/common/text.hpp"
#include "bot/core/json.hpp"
#include "bot/core/mailbox.hpp"
#include "bot/core/text.hpp"

namespace steward::agents::support {

namespace {

namespace mstch = kainjow::mustache;
using namespace common;  // agents/common: every agent's drafting helpers

// Slack's header limit is 150 characters.
constexpr std::size_t kMaxHeaderChars = 140;
constexpr std::size_t kSummaryQuestionChars = 300;

// A Message-ID without <> that an email header can carry.
bool plausible_message_id(std::string_view id) {
  if (id.empty() || id.size() > 900 || id.find('@') == std::string_view::npos) return false;
  return std::all_of(id.begin(), id.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c > 0x20 && c < 0x7f && ch != '<' && ch != '>';
  });
}

std::string message_id_of(std::string_view raw) {
  std::string id(trim(raw));
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  return id;
}

// Slack user ids are upper-case letters and digits (U…, W…); anything else is not mentioned.
bool plausible_slack_id(std::string_view id) {
  return !id.empty() && id.size() <= 32 && std::all_of(id.begin(), id.end(), [](char ch) {
    return std::isupper(static_cast<unsigned char>(ch)) ||
           std::isdigit(static_cast<unsigned char>(ch));
  });
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

// A Slack quote of the customer's words: escaped, every line prefixed with ">".
std::string slack_quote(std::string_view text, std::size_t max_chars) {
  const std::string q = quote_text(text, max_chars);
  if (q.empty()) return "_(no text)_";
  // quote_text starts every line with ">": keep that marker, escape the rest.
  std::string out;
  std::size_t pos = 0;
  while (pos < q.size()) {
    auto nl = q.find('\n', pos);
    auto line =
        std::string_view(q).substr(pos, nl == std::string::npos ? q.size() - pos : nl - pos);
    out += ">" + slack_escape(line.substr(1));
    if (nl == std::string::npos) break;
    out += '\n';
    pos = nl + 1;
  }
  return out;
}

}  // namespace

std::string recipient(std::string_view address, std::string_view display_name) {
  std::string name;
  for (char ch : one_line(trim(display_name))) {
    if (ch != '"' && ch != '\\' && ch != '<' && ch != '>') name += ch;
  }
  name = std::string(trim(name));
  if (name.empty()) return std::string(address);
  const bool needs_quotes = name.find_first_of("()[]:;@,.") != std::string::npos;
  return (needs_quotes ? "\"" + name + "\"" : name) + " <" + std::string(address) + ">";
}

[[nodiscard]] Expected<SupportTriageConfig> load_config(const std::filesystem::path& rules_dir,
                                                        const std::filesystem::path& templates_dir,
                                                        std::string support_channel,
                                                        std::string escalation_channel,
                                                        std::string company_name) {
  if (trim(support_channel).empty()) {
    return fail(Errc::kInvalidInput, "support_triage: the support channel is not set");
  }
  auto rules = TriageRules::load_file(rules_dir / "support-triage.toml");
  if (!rules) return Unexpected(rules.error());
  SupportTriageConfig cfg;
  for (const auto& topic : rules->topics) {
    const auto path = templates_dir / topic.template_file;
    auto text = common::read_file(path);
    if (!text) return Unexpected(text.error());
    mstch::mustache check{*text};
    if (!check.is_valid()) {
      return fail(Errc::kInvalidInput,
                  path.string() + ": template error: " + check.error_message());
    }
    cfg.templates.emplace(topic.id, std::move(*text));
  }
  cfg.rules = std::move(*rules);
  cfg.support_channel = trim(support_channel);
  cfg.escalation_channel =
      trim(escalation_channel).empty() ? cfg.support_channel : trim(escalation_channel);
  cfg.company_name = std::move(company_name);
  return cfg;
}

[[nodiscard]] Expected<std::unique_ptr<Agent>> make(const common::AgentSetup& setup) {
  return common::build<SupportTriage>(
      "support triage", load_config(setup.rules_dir, setup.templates_dir, setup.support_channel,
                                    setup.escalation_channel, setup.company_name));
}

Expected<Plan> SupportTriage::handle(const Event& event, AgentContext& ctx) const {
  if (event.kind != "email.received") {
    return fail(Errc::kInvalidInput, "support_triage handles email.received, not " + event.kind);
  }
  const auto& p = event.payload;
  const std::string from = lower(trim(json::string_or(p, "from")));
  // The connector keeps a mail whose sender is not an address (from "", the escaped text in
  // invalid_sender) so that it is not lost: it is summarised for people, never answered.
  const std::string invalid_sender = one_line(trim(json::string_or(p, "invalid_sender")));
  if (from.empty() && invalid_sender.empty())
    return fail(Errc::kInvalidInput, "email.received payload has no 'from'");
  if (!from.empty() && !is_email_address(from)) {
    return fail(Errc::kInvalidInput, "the sender's address is not a valid email address");
  }
  const std::string conversation_id(trim(json::string_or(p, "conversation_id")));
  if (conversation_id.empty()) {
    return fail(Errc::kInvalidInput, "email.received payload has no 'conversation_id'");
  }
  const std::string from_name = one_line(trim(json::string_or(p, "from_name")));
  const std::string subject = one_line(trim(json::string_or(p, "subject")));
  const std::string text = json::string_or(p, "text");
  const std::string message_id = message_id_of(json::string_or(p, "message_id"));
  bool auto_reply = false;
  if (auto it = p.find("auto_reply"); it != p.end() && it->value().is_bool()) {
    auto_reply = it->value().get_bool();
  }
  bool new_conversation = true;
  std::int64_t messages = 1;
  if (const auto* conv = json::get_object(p, "conversation")) {
    if (auto it = conv->find("new"); it != conv->end() && it->value().is_bool()) {
      new_conversation = it->value().get_bool();
    }
    if (auto n = json::get_int(*conv, "messages")) messages = *n;
  }

  const auto& rules = config_.rules;
  const Classification c = classify(rules, subject, text, from);
  const Topic* topic = rules.topic(c.topic.id);
  if (!topic) return fail(Errc::kInternal, "support_triage: classified into an unknown topic");

  std::vector<std::string> risk_labels;
  for (const auto& r : c.risks) risk_labels.push_back(r.label);
  const std::string sender =
      from.empty() ? "sender that is not an address: " + invalid_sender : from;
  const std::string who = from_name.empty() ? sender : from_name + " (" + sender + ")";
  const std::string shown_subject = subject.empty() ? "(no subject)" : subject;

  boost::json::array risk_ids;
  for (const auto& id : c.risk_ids()) risk_ids.emplace_back(id);
  Plan plan;
  plan.agent = std::string(name());
  plan.notes = c.explain();
  plan.facts["ticket"] = boost::json::object{{"conversation_id", conversation_id},
                                             {"topic", c.topic.id},
                                             {"urgency", c.urgency.id},
                                             {"sentiment", c.sentiment.id},
                                             {"risk", risk_ids},
                                             {"risky", c.risky()},
                                             {"vip", c.vip},
                                             {"customer", from},
                                             {"auto_reply", auto_reply}};

  // 4) Last, the ticket's record: the classification `/steward tickets` shows. Proposed like
  // any action, so decision rights decide it and the audit log shows it.
  auto with_record = [&]() -> Expected<Plan> {
    Action a;
    a.kind = "ticket.classify";
    a.fields = {{"conversation_id", conversation_id},
                {"topic", c.topic.id},
                {"urgency", c.urgency.id},
                {"sentiment", c.sentiment.id},
                {"risk", risk_ids}};
    a.summary = "Record ticket " + conversation_id + ": " + c.topic.id + ", urgency " +
                c.urgency.id + ", sentiment " + c.sentiment.id +
                (c.risky() ? ", risk " + join(c.risk_ids(), ",") : std::string());
    plan.actions.push_back(std::move(a));
    return std::move(plan);
  };

  // 1) The ticket summary in the support channel. Everything the customer wrote is escaped.
  {
    const std::string esc_who = slack_escape(truncate_utf8(who, kMaxFieldChars));
    const std::string esc_subject = slack_escape(truncate_utf8(shown_subject, kMaxFieldChars));
    const std::string risk_text =
        c.risky() ? slack_escape(join(risk_labels, ", ")) : std::string("none");
    const std::string conv_text =
        new_conversation ? std::string("new conversation")
                         : "message " + std::to_string(messages) + " in this conversation";
    const std::string question = slack_quote(text, kSummaryQuestionChars);

    std::string fallback = ":envelope_with_arrow: Support ticket from " + esc_who + ": " +
                           esc_subject + "\n" + "Topic: " + slack_escape(topic->label) +
                           " · Urgency: " + c.urgency.id + " · Sentiment: " + c.sentiment.id +
                           " · Risk: " + risk_text + "\n" + question + "\n" + "Conversation " +
                           slack_escape(conversation_id) + " (" + conv_text + ")";

    std::string why;
    for (const auto& line : c.explain()) why += "\n• " + slack_escape(line);

    boost::json::array blocks;
    blocks.push_back(boost::json::object{
        {"type", "header"},
        {"text", plain_text(truncate_utf8(
                     std::string(c.risky() ? "🚨" : "📨") + " Support ticket: " + topic->label,
                     kMaxHeaderChars))}});
    blocks.push_back(boost::json::object{
        {"type", "section"},
        {"fields",
         boost::json::array{
             mrkdwn("*From*\n" + esc_who), mrkdwn("*Subject*\n" + esc_subject),
             mrkdwn("*Topic*\n" + slack_escape(topic->label)), mrkdwn("*Urgency*\n" + c.urgency.id),
             mrkdwn("*Sentiment*\n" + c.sentiment.id), mrkdwn("*Risk*\n" + risk_text)}}});
    blocks.push_back(boost::json::object{
        {"type", "section"}, {"text", mrkdwn(truncate_utf8(question, kMaxSectionChars))}});
    blocks.push_back(boost::json::object{
        {"type", "section"}, {"text", mrkdwn(truncate_utf8("*Why*" + why, kMaxSectionChars))}});
    blocks.push_back(boost::json::object{
        {"type", "context"},
        {"elements", boost::json::array{mrkdwn(
                         "Conversation " + slack_escape(conversation_id) + " · " + conv_text +
                         (auto_reply     ? " · automatic email, no reply drafted"
                          : from.empty() ? " · the sender is not an address, no reply drafted"
                                         : ""))}}});

    Action a;
    a.kind = "slack.post";
    a.fields = {{"channel", config_.support_channel},
                {"text", std::move(fallback)},
                {"blocks", std::move(blocks)}};
    a.summary = "Ticket summary to #support: " + c.topic.id + ", urgency " + c.urgency.id +
                ", from " + sender;
    plan.actions.push_back(std::move(a));
  }

  // 2) Risky tickets go to the escalation channel at once, mentioning the role's people.
  if (c.risky()) {
    std::vector<std::string> mentions;
    for (const auto& id : ctx.slack_ids_with_role(rules.escalation_role)) {
      if (!plausible_slack_id(id)) {
        plan.notes.push_back("escalation: skipped '" + one_line(id) + "', not a Slack user id");
        continue;
      }
      const std::string m = "<@" + id + ">";
      if (std::find(mentions.begin(), mentions.end(), m) == mentions.end()) mentions.push_back(m);
    }
    std::string who_to_tell;
    if (mentions.empty()) {
      who_to_tell = "@" + slack_escape(rules.escalation_role);
      plan.notes.push_back("escalation: nobody has the role '" + rules.escalation_role +
                           "' in [[people]], so the post names the role instead of mentioning "
                           "people");
    } else {
      who_to_tell = join(mentions, " ");
      plan.notes.push_back("escalation: " + std::to_string(mentions.size()) +
                           (mentions.size() == 1 ? " person" : " people") + " with the role '" +
                           rules.escalation_role + "' mentioned");
    }
    std::string why;
    for (const auto& r : c.risks) {
      why += "\n• " + slack_escape("risk " + r.id + ": " + (r.cues.empty() ? r.detail : [&] {
                                     std::string q;
                                     for (const auto& cue : r.cues) {
                                       q += (q.empty() ? "'" : ", '") + cue + "'";
                                     }
                                     return q;
                                   }()));
    }
    Action a;
    a.kind = "slack.post";
    a.fields = {
        {"channel", config_.escalation_channel},
        {"text", who_to_tell + " :rotating_light: *" + slack_escape(join(risk_labels, ", ")) +
                     "* from " + slack_escape(truncate_utf8(who, kMaxFieldChars)) + ": " +
                     slack_escape(truncate_utf8(shown_subject, kMaxFieldChars)) +
                     " (conversation " + slack_escape(conversation_id) + ")" + why}};
    a.summary = "Escalation to " + rules.escalation_role + ": " + join(c.risk_ids(), ", ") + " — " +
                sender + ": " + truncate_utf8(shown_subject, kMaxFieldChars);
    plan.actions.push_back(std::move(a));
  }

  // 3) The drafted reply, unless the email was sent by a machine (no mail loops).
  if (auto_reply) {
    plan.notes.emplace_back(
        "reply: none drafted, the email is an automatic one (auto-reply, bounce or list)");
    return with_record();
  }
  if (from.empty()) {
    plan.notes.emplace_back("reply: none drafted, the sender is not an address");
    return with_record();
  }
  {
    auto tmpl = config_.templates.find(topic->id);
    if (tmpl == config_.templates.end()) {
      return fail(Errc::kInternal, "support_triage: no template loaded for topic " + topic->id);
    }
    const std::string first_name = [&] {
      auto sp = from_name.find(' ');
      return from_name.empty() ? std::string("there") : from_name.substr(0, sp);
    }();
    const std::string question = quote_text(text, rules.quote_max_chars);
    const std::string reply_subj = reply_subject(rules, subject);

    mstch::data data;
    data.set("first_name", first_name);
    data.set("name", from_name.empty() ? std::string("there") : from_name);
    data.set("has_name", !from_name.empty());
    data.set("customer_email", from);
    data.set("company_name", config_.company_name);
    data.set("topic", topic->id);
    data.set("topic_label", topic->label);
    data.set("subject", subject);
    data.set("reply_subject", reply_subj);
    data.set("urgency", c.urgency.id);
    data.set("urgent", c.urgency.id == "high");
    data.set("sentiment", c.sentiment.id);
    data.set("negative", c.sentiment.id == "negative");
    data.set("conversation_id", conversation_id);
    data.set("question", question);
    data.set("has_question", !question.empty());

    auto answer =
        render(topic->answer, data, "support-triage.toml [[topic]] " + topic->id + " answer");
    if (!answer) return Unexpected(answer.error());
    auto signature = render(rules.signature, data, "support-triage.toml [reply] signature");
    if (!signature) return Unexpected(signature.error());
    data.set("answer", std::string(trim(*answer)));
    data.set("signature", std::string(trim(*signature)));
    auto body = render(tmpl->second, data, topic->template_file);
    if (!body) return Unexpected(body.error());

    boost::json::array references;
    if (auto it = p.find("references"); it != p.end() && it->value().is_array()) {
      for (const auto& r : it->value().get_array()) {
        if (!r.is_string()) continue;
        auto id = message_id_of(std::string_view(r.get_string()));
        if (plausible_message_id(id) && std::find(references.begin(), references.end(),
                                                  boost::json::value(id)) == references.end()) {
          references.emplace_back(id);
        }
      }
    }
    Action a;
    a.kind = "email.send";
    a.fields = {{"to", recipient(from, from_name)},
                {"subject", reply_subj},
                {"text", *body},
                {"conversation_id", conversation_id}};
    if (plausible_message_id(message_id)) {
      a.fields["in_reply_to"] = message_id;
      if (std::find(references.begin(), references.end(), boost::json::value(message_id)) ==
          references.end()) {
        references.emplace_back(message_id);
      }
    }
    if (!references.empty()) a.fields["references"] = std::move(references);
    a.summary = "Reply to " + from + ": " + reply_subj;
    plan.notes.push_back("reply: drafted from " + topic->template_file + " for topic " + topic->id +
                         (rules.approver_role.empty()
                              ? std::string()
                              : "; decision rights decide whether it waits for the '" +
                                    rules.approver_role + "' role's approval"));
    plan.actions.push_back(std::move(a));
  }
  return with_record();
}

}  // namespace steward::agents::support
