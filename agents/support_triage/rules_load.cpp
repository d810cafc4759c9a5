#include <algorithm>
#include <cctype>
#include <kainjow/mustache.hpp>
#include <optional>
#include <utility>

#include "agents/common/text.hpp"
#include "agents/support_triage/keywords.hpp"
#include "agents/support_triage/rules.hpp"
#include "bot/core/mailbox.hpp"
#include "bot/core/text.hpp"
#include "bot/toml/reader.hpp"

// Loading the support triage rules file (support-triage.toml): strict, every problem reported
// as "FILE:LINE: key 'x': what" by the shared reader (bot/toml).
namespace steward::agents::support {

namespace {

using detail::has_control;
using detail::normalise;

// A list of keywords, normalised; an empty list or phrase is an error (nullopt: absent or bad).
std::optional<std::vector<std::string>> optional_keywords(cfg::Reader& r, std::string_view key) {
  auto list = r.optional_strings(key);
  if (!list) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& w : *list) {
    auto n = normalise(w);
    if (has_control(w))
      r.fail(key, "contains a control character");
    else if (n.empty())
      r.fail(key, "contains an empty word");
    else if (std::find(out.begin(), out.end(), n) == out.end())
      out.push_back(std::move(n));
  }
  if (out.empty()) r.fail(key, "the list is empty");
  if (!r.ok()) return std::nullopt;
  return out;
}

bool valid_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_';
  });
}

std::string read_id(cfg::Reader& r) {
  auto id = r.required_string("id");
  if (!valid_id(id)) r.fail("id", "use only letters, digits, '-' and '_' (at most 64)");
  return id;
}

// A mustache text must compile; `key` names it in the error.
void check_mustache(cfg::Reader& r, std::string_view key, const std::string& text) {
  kainjow::mustache::mustache tmpl{text};
  if (!tmpl.is_valid()) r.fail(key, "template error: " + tmpl.error_message());
}

// The answer as the customer reads it: lines of one paragraph joined with spaces (owners wrap
// long TOML strings by hand), paragraphs separated by one blank line.
std::string reflow(std::string_view text) {
  std::string out;
  std::string paragraph;
  auto flush = [&] {
    if (paragraph.empty()) return;
    if (!out.empty()) out += "\n\n";
    out += paragraph;
    paragraph.clear();
  };
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto nl = text.find('\n', pos);
    auto line = trim(text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos));
    if (line.empty()) {
      flush();
    } else {
      if (!paragraph.empty()) paragraph += ' ';
      paragraph += line;
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  flush();
  return out;
}

bool plain_file_name(std::string_view name) {
  return !name.empty() && name.size() <= 128 && name.front() != '.' &&
         std::all_of(name.begin(), name.end(), [](char ch) {
           return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' ||
                  ch == '.';
         });
}

[[nodiscard]] Expected<Topic> parse_topic(const toml::table& t, const std::string& file) {
  cfg::Reader r(t, file);
  Topic topic;
  topic.id = read_id(r);
  topic.label = r.required_string("label");
  if (auto kw = optional_keywords(r, "keywords")) topic.keywords = std::move(*kw);
  topic.template_file = r.required_string("template");
  if (!plain_file_name(topic.template_file)) {
    r.fail("template",
           "must be a file name in the templates folder, e.g. \"support-reply-general.mustache\"");
  }
  auto answer = r.required_string("answer");
  check_mustache(r, "answer", answer);
  topic.answer = reflow(answer);
  if (auto done = r.finish(); !done) return Unexpected(done.error());
  return topic;
}

[[nodiscard]] Expected<RiskRule> parse_risk(const toml::table& t, const std::string& file) {
  cfg::Reader r(t, file);
  RiskRule risk;
  risk.id = read_id(r);
  if (risk.id == "vip") r.fail("id", "'vip' is reserved for the [vip] list; choose another id");
  risk.label = r.required_string("label");
  auto kw = optional_keywords(r, "keywords");
  if (!r.node("keywords")) r.fail("keywords", "missing (required)");
  if (kw) risk.keywords = std::move(*kw);
  if (auto done = r.finish(); !done) return Unexpected(done.error());
  return risk;
}

// Reads an optional [name] table of keyword lists into the given outputs.
[[nodiscard]] Expected<void> parse_word_lists(
    cfg::Reader& top, std::string_view name,
    std::initializer_list<std::pair<std::string_view, std::vector<std::string>*>> lists) {
  const auto* t = top.table(name);
  if (auto ok = top.status(); !ok || !t) return ok;
  cfg::Reader r(*t, top.file());
  for (const auto& [key, out] : lists) {
    if (auto kw = optional_keywords(r, key)) *out = std::move(*kw);
  }
  return r.finish();
}

// [vip]: senders and domains whose mail is always escalated.
[[nodiscard]] Expected<void> parse_vip(cfg::Reader& top, TriageRules& rules) {
  const auto* t = top.table("vip");
  if (auto ok = top.status(); !ok || !t) return ok;
  cfg::Reader r(*t, top.file());
  for (const auto& s : r.strings("senders")) {
    auto a = lower(trim(s));
    if (!is_email_address(a))
      r.fail("senders", "'" + s + "' is not an email address (e.g. \"ceo@bigco.example\")");
    rules.vip_senders.push_back(std::move(a));
  }
  for (const auto& d : r.strings("domains")) {
    auto a = lower(trim(d));
    if (!a.empty() && a.front() == '@') a.erase(0, 1);
    if (a.empty() || a.find('.') == std::string::npos || a.front() == '.' ||
        a.find_first_of(" \t<>\",;@*") != std::string::npos) {
      r.fail("domains", "'" + d + "' is not a domain (e.g. \"bigco.example\")");
    }
    rules.vip_domains.push_back(std::move(a));
  }
  if (auto vlabel = r.optional_string("label")) {
    if (trim(*vlabel).empty()) r.fail("label", "must not be empty");
    rules.vip_label = std::move(*vlabel);
  }
  return r.finish();
}

// [reply]: how the drafted answer is signed and its subject formed.
[[nodiscard]] Expected<void> parse_reply(const toml::table& t, const std::string& file,
                                         TriageRules& rules) {
  cfg::Reader r(t, file);
  if (auto approver = r.optional_string("approver_role")) rules.approver_role = trim(*approver);
  auto signature = r.required_string("signature");
  check_mustache(r, "signature", signature);
  rules.signature = trim(signature);
  if (auto prefix = r.optional_string("subject_prefix")) {
    if (has_control(*prefix) || prefix->find_first_of("\r\n") != std::string::npos)
      r.fail("subject_prefix", "must be on one line");
    rules.subject_prefix = std::move(*prefix);
  }
  if (auto strip = r.optional_strings("strip_prefixes")) {
    rules.strip_prefixes.clear();
    for (const auto& p : *strip) {
      auto s = lower(trim(p));
      if (!s.empty() && s.back() == ':') s.pop_back();  // "Re:" and "re" mean the same
      s = std::string(trim(s));
      if (s.empty() || s.find_first_of(" \t:") != std::string::npos)
        r.fail("strip_prefixes", "'" + p + "' is not a prefix word (e.g. \"re\", \"fwd\")");
      rules.strip_prefixes.push_back(std::move(s));
    }
  }
  if (auto none = r.optional_string("no_subject")) {
    if (trim(*none).empty()) r.fail("no_subject", "must not be empty");
    rules.no_subject = trim(*none);
  }
  if (r.node("quote_max_chars"))
    rules.quote_max_chars = static_cast<std::size_t>(r.integer("quote_max_chars", 0, 100, 20000));
  return r.finish();
}

}  // namespace

// ---- TriageRules ----

Expected<TriageRules> TriageRules::load_file(const std::filesystem::path& path) {
  auto text = common::read_file(path);
  if (!text) return Unexpected(text.error());
  return load_string(*text, path.string());
}

Expected<TriageRules> TriageRules::load_string(std::string_view text, std::string_view label) {
  auto doc = cfg::parse_text(text, label);
  if (!doc) return Unexpected(doc.error());
  const std::string file(label);

  TriageRules rules;
  cfg::Reader top(*doc, file);

  // [[topic]]
  {
    if (!doc->contains("topic")) {
      top.fail("topic",
               "missing: add [[topic]] tables (one without keywords is the fallback, e.g. id = "
               "\"general\")");
    }
    const auto topics = top.tables("topic");
    if (auto ok = top.status(); !ok) return Unexpected(ok.error());
    std::string fallback;  // id of the topic without keywords
    for (const auto* table : topics) {
      auto t = parse_topic(*table, file);
      if (!t) return Unexpected(t.error());
      const auto line = cfg::line_of(*table);
      if (rules.topic(t->id)) {
        const auto* id = table->get("id");
        return Unexpected(cfg::error_at(file, id ? cfg::line_of(*id) : line, "id",
                                        "duplicate topic id '" + t->id + "'"));
      }
      if (t->fallback()) {
        if (!fallback.empty()) {
          return Unexpected(cfg::error_at(file, line, "",
                                          "topic '" + t->id + "' has no keywords, but '" +
                                              fallback +
                                              "' is already the fallback topic (only one may "
                                              "have no keywords)"));
        }
        fallback = t->id;
      }
      rules.topics.push_back(std::move(*t));
    }
    if (fallback.empty()) {
      top.fail("topic",
               "no fallback topic: add a [[topic]] without keywords (e.g. id = \"general\") for "
               "emails no other topic fits");
      return Unexpected(top.status().error());
    }
  }

  auto urg = parse_word_lists(top, "urgency",
                              {{"high", &rules.urgency_high}, {"low", &rules.urgency_low}});
  if (!urg) return Unexpected(urg.error());
  auto sen = parse_word_lists(
      top, "sentiment",
      {{"negative", &rules.sentiment_negative}, {"positive", &rules.sentiment_positive}});
  if (!sen) return Unexpected(sen.error());

  // [[risk]]
  const auto risks = top.tables("risk");
  if (auto ok = top.status(); !ok) return Unexpected(ok.error());
  for (const auto* table : risks) {
    auto risk = parse_risk(*table, file);
    if (!risk) return Unexpected(risk.error());
    for (const auto& prev : rules.risks) {
      if (prev.id == risk->id) {
        const auto* id = table->get("id");
        return Unexpected(cfg::error_at(file, id ? cfg::line_of(*id) : cfg::line_of(*table), "id",
                                        "duplicate risk id '" + risk->id + "'"));
      }
    }
    rules.risks.push_back(std::move(*risk));
  }

  if (auto vip = parse_vip(top, rules); !vip) return Unexpected(vip.error());

  // [escalation]
  {
    const auto* t = top.table("escalation");
    if (!t) {
      top.fail("escalation",
               "missing: add [escalation] with role = \"…\" (who is told about risks)");
    }
    if (auto ok = top.status(); !ok) return Unexpected(ok.error());
    cfg::Reader r(*t, file);
    rules.escalation_role = trim(r.required_string("role"));
    if (auto done = r.finish(); !done) return Unexpected(done.error());
  }

  // [reply]
  {
    const auto* t = top.table("reply");
    if (!t) top.fail("reply", "missing: add [reply] with at least signature = \"…\"");
    if (auto ok = top.status(); !ok) return Unexpected(ok.error());
    if (auto reply = parse_reply(*t, file, rules); !reply) return Unexpected(reply.error());
  }

  if (auto done = top.finish(); !done) return Unexpected(done.error());
  return rules;
}

const Topic* TriageRules::topic(std::string_view id) const {
  for (const auto& t : topics) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

}  // namespace steward::agents::support
