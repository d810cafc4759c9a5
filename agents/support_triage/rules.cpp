#include "agents/support_triage/rules.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <optional>
#include <sstream>
#include <system_error>
#include <utility>

#include "agents/common/text.hpp"
#include "bot/core/mailbox.hpp"
#include "bot/core/text.hpp"

namespace steward::agents::support {

namespace {

constexpr std::size_t kMaxAnalysedText = 100'000;

bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

// Letters and digits; bytes of multi-byte UTF-8 sequences count as letters, so a keyword never
// matches inside "café…" either.
bool is_word(unsigned char c) { return std::isalnum(c) || c >= 0x80; }

// The form both keywords and the searched text take: ASCII lower case, typographic apostrophes
// as ', every run of white space (and no-break spaces) as one space, trimmed.
std::string normalise(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (is_space(c) ||
        (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0)) {
      if (c == 0xC2) ++i;
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) == 0x98 ||
         static_cast<unsigned char>(s[i + 2]) == 0x99)) {
      out += '\'';
      i += 2;
      continue;
    }
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return (c < 0x20 && !is_space(c)) || c == 0x7f;
  });
}

// Whether `phrase` occurs in `hay` at `pos` as a whole word/phrase.
bool whole_at(const std::string& hay, std::size_t pos, const std::string& phrase) {
  if (phrase.empty() || pos + phrase.size() > hay.size()) return false;
  if (hay.compare(pos, phrase.size(), phrase) != 0) return false;
  if (is_word(static_cast<unsigned char>(phrase.front())) && pos > 0 &&
      is_word(static_cast<unsigned char>(hay[pos - 1]))) {
    return false;
  }
  const auto end = pos + phrase.size();
  if (is_word(static_cast<unsigned char>(phrase.back())) && end < hay.size() &&
      is_word(static_cast<unsigned char>(hay[end]))) {
    return false;
  }
  return true;
}

// The keywords of `group` that occur in `hay` at least once outside a longer phrase of the same
// dimension (`dimension` holds every phrase of it, `group` included).
std::vector<std::string> find_cues(const std::string& hay, const std::vector<std::string>& group,
                                   const std::vector<const std::string*>& dimension) {
  std::vector<std::string> found;
  for (const auto& k : group) {
    if (k.empty() || std::find(found.begin(), found.end(), k) != found.end()) continue;
    // Longer phrases containing k, with k's offset inside them.
    std::vector<std::pair<const std::string*, std::size_t>> covers;
    for (const auto* p : dimension) {
      if (p->size() <= k.size()) continue;
      for (auto off = p->find(k); off != std::string::npos; off = p->find(k, off + 1)) {
        covers.emplace_back(p, off);
      }
    }
    for (auto pos = hay.find(k); pos != std::string::npos; pos = hay.find(k, pos + 1)) {
      if (!whole_at(hay, pos, k)) continue;
      bool covered = std::any_of(covers.begin(), covers.end(), [&](const auto& c) {
        return pos >= c.second && whole_at(hay, pos - c.second, *c.first);
      });
      if (!covered) {
        found.push_back(k);
        break;
      }
    }
  }
  return found;
}

std::vector<const std::string*> all_of(
    std::initializer_list<const std::vector<std::string>*> lists) {
  std::vector<const std::string*> out;
  for (const auto* l : lists) {
    for (const auto& s : *l) out.push_back(&s);
  }
  return out;
}

std::string quoted_list(const std::vector<std::string>& cues) {
  std::string out;
  for (const auto& c : cues) out += (out.empty() ? "'" : ", '") + c + "'";
  return out;
}

// ---- loading ----

std::uint32_t line_of(const toml::node& n) {
  return static_cast<std::uint32_t>(n.source().begin.line);
}

Error load_error(std::string_view file, std::uint32_t line, std::string_view key,
                 std::string_view what) {
  std::string msg(file);
  msg += ":" + std::to_string(line) + ": ";
  if (!key.empty()) msg += "key '" + std::string(key) + "': ";
  msg += what;
  return Error{Errc::kInvalidInput, std::move(msg), std::nullopt};
}

// Strict table reader: remembers the keys asked for, so unknown keys are reported.
class Reader {
 public:
  Reader(const toml::table& t, std::string_view file) : t_(t), file_(file) {}

  const toml::node* node(std::string_view key) {
    known_.emplace_back(key);
    return t_.get(key);
  }
  [[nodiscard]] Error error(std::string_view key, std::string_view what) const {
    const auto* n = t_.get(key);
    return load_error(file_, n ? line_of(*n) : line_of(t_), key, what);
  }
  Expected<std::optional<std::string>> optional_string(std::string_view key) {
    const auto* n = node(key);
    if (!n) return std::optional<std::string>{};
    if (!n->is_string()) return Unexpected(error(key, "expected a string"));
    return std::optional<std::string>{*n->value<std::string>()};
  }
  Expected<std::string> required_string(std::string_view key) {
    auto s = optional_string(key);
    if (!s) return Unexpected(s.error());
    if (!*s) return Unexpected(error(key, "missing (required)"));
    if (trim(**s).empty()) return Unexpected(error(key, "must not be empty"));
    return std::move(**s);
  }
  Expected<std::optional<std::int64_t>> optional_int(std::string_view key) {
    const auto* n = node(key);
    if (!n) return std::optional<std::int64_t>{};
    if (!n->is_integer()) return Unexpected(error(key, "expected a whole number"));
    return std::optional<std::int64_t>{*n->value<std::int64_t>()};
  }
  Expected<std::optional<std::vector<std::string>>> optional_strings(std::string_view key) {
    const auto* n = node(key);
    if (!n) return std::optional<std::vector<std::string>>{};
    const auto* arr = n->as_array();
    if (!arr) return Unexpected(error(key, "expected a list of strings, e.g. [\"a\", \"b\"]"));
    std::vector<std::string> out;
    for (const auto& el : *arr) {
      if (!el.is_string()) {
        return Unexpected(load_error(file_, line_of(el), key, "every element must be a string"));
      }
      out.push_back(*el.value<std::string>());
    }
    return std::optional<std::vector<std::string>>{std::move(out)};
  }
  // A list of keywords, normalised; an empty list or phrase is an error.
  Expected<std::optional<std::vector<std::string>>> optional_keywords(std::string_view key) {
    auto list = optional_strings(key);
    if (!list) return Unexpected(list.error());
    if (!*list) return list;
    std::vector<std::string> out;
    for (const auto& w : **list) {
      if (has_control(w)) return Unexpected(error(key, "contains a control character"));
      auto n = normalise(w);
      if (n.empty()) return Unexpected(error(key, "contains an empty word"));
      if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(std::move(n));
    }
    if (out.empty()) return Unexpected(error(key, "the list is empty"));
    return std::optional<std::vector<std::string>>{std::move(out)};
  }
  // A table at `key` (nullptr when absent); error when it is something else.
  Expected<const toml::table*> optional_table(std::string_view key) {
    const auto* n = node(key);
    if (!n) return static_cast<const toml::table*>(nullptr);
    if (!n->is_table())
      return Unexpected(error(key, "expected a table, e.g. [" + std::string(key) + "]"));
    return n->as_table();
  }
  [[nodiscard]] Expected<void> finish() const {
    for (const auto& [k, n] : t_) {
      if (std::find(known_.begin(), known_.end(), k.str()) != known_.end()) continue;
      std::string expected;
      for (const auto& name : known_) {
        const std::string quoted = "'" + name + "'";
        if (expected.find(quoted) == std::string::npos) {
          expected += (expected.empty() ? "" : ", ") + quoted;
        }
      }
      auto line =
          k.source().begin.line ? static_cast<std::uint32_t>(k.source().begin.line) : line_of(n);
      return Unexpected(
          load_error(file_, line, k.str(), "unknown key (expected one of: " + expected + ")"));
    }
    return {};
  }
  [[nodiscard]] std::uint32_t line() const { return line_of(t_); }

 private:
  const toml::table& t_;
  std::string file_;
  std::vector<std::string> known_;
};

bool valid_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_';
  });
}

Expected<std::string> read_id(Reader& r) {
  auto id = r.required_string("id");
  if (!id) return Unexpected(id.error());
  if (!valid_id(*id)) {
    return Unexpected(r.error("id", "use only letters, digits, '-' and '_' (at most 64)"));
  }
  return id;
}

// A mustache text must compile; `what` names it in the error.
Expected<void> check_mustache(const Reader& r, std::string_view key, const std::string& text) {
  kainjow::mustache::mustache tmpl{text};
  if (!tmpl.is_valid()) return Unexpected(r.error(key, "template error: " + tmpl.error_message()));
  return {};
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

Expected<Topic> parse_topic(const toml::table& t, std::string_view file) {
  Reader r(t, file);
  Topic topic;
  auto id = read_id(r);
  if (!id) return Unexpected(id.error());
  topic.id = std::move(*id);
  auto label = r.required_string("label");
  if (!label) return Unexpected(label.error());
  topic.label = std::move(*label);
  auto kw = r.optional_keywords("keywords");
  if (!kw) return Unexpected(kw.error());
  if (*kw) topic.keywords = std::move(**kw);
  auto tmpl = r.required_string("template");
  if (!tmpl) return Unexpected(tmpl.error());
  if (!plain_file_name(*tmpl)) {
    return Unexpected(r.error(
        "template",
        "must be a file name in the templates folder, e.g. \"support-reply-general.mustache\""));
  }
  topic.template_file = std::move(*tmpl);
  auto answer = r.required_string("answer");
  if (!answer) return Unexpected(answer.error());
  auto ok = check_mustache(r, "answer", *answer);
  if (!ok) return Unexpected(ok.error());
  topic.answer = reflow(*answer);
  auto done = r.finish();
  if (!done) return Unexpected(done.error());
  return topic;
}

Expected<RiskRule> parse_risk(const toml::table& t, std::string_view file) {
  Reader r(t, file);
  RiskRule risk;
  auto id = read_id(r);
  if (!id) return Unexpected(id.error());
  if (*id == "vip") {
    return Unexpected(r.error("id", "'vip' is reserved for the [vip] list; choose another id"));
  }
  risk.id = std::move(*id);
  auto label = r.required_string("label");
  if (!label) return Unexpected(label.error());
  risk.label = std::move(*label);
  auto kw = r.optional_keywords("keywords");
  if (!kw) return Unexpected(kw.error());
  if (!*kw) return Unexpected(r.error("keywords", "missing (required)"));
  risk.keywords = std::move(**kw);
  auto done = r.finish();
  if (!done) return Unexpected(done.error());
  return risk;
}

// Reads an optional [name] table of keyword lists into the given outputs.
Expected<void> parse_word_lists(
    Reader& top, std::string_view name,
    std::initializer_list<std::pair<std::string_view, std::vector<std::string>*>> lists,
    std::string_view file) {
  auto t = top.optional_table(name);
  if (!t) return Unexpected(t.error());
  if (!*t) return {};
  Reader r(**t, file);
  for (const auto& [key, out] : lists) {
    auto kw = r.optional_keywords(key);
    if (!kw) return Unexpected(kw.error());
    if (*kw) *out = std::move(**kw);
  }
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
  toml::table doc;
  try {
    doc = toml::parse(text, label);
  } catch (const toml::parse_error& e) {
    return Unexpected(load_error(label, static_cast<std::uint32_t>(e.source().begin.line), "",
                                 std::string(e.description())));
  } catch (const std::exception& e) {
    return Unexpected(load_error(label, 0, "", std::string("cannot parse: ") + e.what()));
  }

  TriageRules rules;
  Reader top(doc, label);

  // [[topic]]
  {
    const auto* node = top.node("topic");
    if (!node) {
      return Unexpected(top.error("topic",
                                  "missing: add [[topic]] tables (one without keywords "
                                  "is the fallback, e.g. id = \"general\")"));
    }
    const auto* arr = node->as_array();
    if (!arr || !arr->is_array_of_tables()) {
      return Unexpected(top.error("topic", "expected [[topic]] tables"));
    }
    std::string fallback;  // id of the topic without keywords
    for (const auto& el : *arr) {
      auto t = parse_topic(*el.as_table(), label);
      if (!t) return Unexpected(t.error());
      const auto line = line_of(el);
      if (rules.topic(t->id)) {
        const auto* id = el.as_table()->get("id");
        return Unexpected(load_error(label, id ? line_of(*id) : line, "id",
                                     "duplicate topic id '" + t->id + "'"));
      }
      if (t->fallback()) {
        if (!fallback.empty()) {
          return Unexpected(load_error(label, line, "",
                                       "topic '" + t->id + "' has no keywords, but '" + fallback +
                                           "' is already the fallback topic (only one may have "
                                           "no keywords)"));
        }
        fallback = t->id;
      }
      rules.topics.push_back(std::move(*t));
    }
    if (fallback.empty()) {
      return Unexpected(top.error("topic",
                                  "no fallback topic: add a [[topic]] without keywords (e.g. id "
                                  "= \"general\") for emails no other topic fits"));
    }
  }

  auto urg = parse_word_lists(top, "urgency",
                              {{"high", &rules.urgency_high}, {"low", &rules.urgency_low}}, label);
  if (!urg) return Unexpected(urg.error());
  auto sen = parse_word_lists(
      top, "sentiment",
      {{"negative", &rules.sentiment_negative}, {"positive", &rules.sentiment_positive}}, label);
  if (!sen) return Unexpected(sen.error());

  // [[risk]]
  if (const auto* node = top.node("risk")) {
    const auto* arr = node->as_array();
    if (!arr || !arr->is_array_of_tables()) {
      return Unexpected(top.error("risk", "expected [[risk]] tables"));
    }
    for (const auto& el : *arr) {
      auto risk = parse_risk(*el.as_table(), label);
      if (!risk) return Unexpected(risk.error());
      for (const auto& prev : rules.risks) {
        if (prev.id == risk->id) {
          const auto* id = el.as_table()->get("id");
          return Unexpected(load_error(label, id ? line_of(*id) : line_of(el), "id",
                                       "duplicate risk id '" + risk->id + "'"));
        }
      }
      rules.risks.push_back(std::move(*risk));
    }
  }

  // [vip]
  {
    auto t = top.optional_table("vip");
    if (!t) return Unexpected(t.error());
    if (*t) {
      Reader r(**t, label);
      auto senders = r.optional_strings("senders");
      if (!senders) return Unexpected(senders.error());
      if (*senders) {
        for (const auto& s : **senders) {
          auto a = lower(trim(s));
          auto at = a.find('@');
          if (at == std::string::npos || at == 0 || at + 1 == a.size() ||
              a.find_first_of(" \t<>\",;") != std::string::npos) {
            return Unexpected(r.error(
                "senders", "'" + s + "' is not an email address (e.g. \"ceo@bigco.example\")"));
          }
          rules.vip_senders.push_back(std::move(a));
        }
      }
      auto domains = r.optional_strings("domains");
      if (!domains) return Unexpected(domains.error());
      if (*domains) {
        for (const auto& d : **domains) {
          auto a = lower(trim(d));
          if (!a.empty() && a.front() == '@') a.erase(0, 1);
          if (a.empty() || a.find('.') == std::string::npos || a.front() == '.' ||
              a.find_first_of(" \t<>\",;@*") != std::string::npos) {
            return Unexpected(
                r.error("domains", "'" + d + "' is not a domain (e.g. \"bigco.example\")"));
          }
          rules.vip_domains.push_back(std::move(a));
        }
      }
      auto vlabel = r.optional_string("label");
      if (!vlabel) return Unexpected(vlabel.error());
      if (*vlabel) {
        if (trim(**vlabel).empty()) return Unexpected(r.error("label", "must not be empty"));
        rules.vip_label = **vlabel;
      }
      auto done = r.finish();
      if (!done) return Unexpected(done.error());
    }
  }

  // [escalation]
  {
    auto t = top.optional_table("escalation");
    if (!t) return Unexpected(t.error());
    if (!*t) {
      return Unexpected(top.error(
          "escalation", "missing: add [escalation] with role = \"…\" (who is told about risks)"));
    }
    Reader r(**t, label);
    auto role = r.required_string("role");
    if (!role) return Unexpected(role.error());
    rules.escalation_role = trim(*role);
    auto done = r.finish();
    if (!done) return Unexpected(done.error());
  }

  // [reply]
  {
    auto t = top.optional_table("reply");
    if (!t) return Unexpected(t.error());
    if (!*t) {
      return Unexpected(top.error("reply", "missing: add [reply] with at least signature = \"…\""));
    }
    Reader r(**t, label);
    auto approver = r.optional_string("approver_role");
    if (!approver) return Unexpected(approver.error());
    if (*approver) rules.approver_role = trim(**approver);
    auto signature = r.required_string("signature");
    if (!signature) return Unexpected(signature.error());
    auto ok = check_mustache(r, "signature", *signature);
    if (!ok) return Unexpected(ok.error());
    rules.signature = trim(*signature);
    auto prefix = r.optional_string("subject_prefix");
    if (!prefix) return Unexpected(prefix.error());
    if (*prefix) {
      if (has_control(**prefix) || prefix->value().find_first_of("\r\n") != std::string::npos) {
        return Unexpected(r.error("subject_prefix", "must be on one line"));
      }
      rules.subject_prefix = **prefix;
    }
    auto strip = r.optional_strings("strip_prefixes");
    if (!strip) return Unexpected(strip.error());
    if (*strip) {
      rules.strip_prefixes.clear();
      for (const auto& p : **strip) {
        auto s = lower(trim(p));
        if (!s.empty() && s.back() == ':') s.pop_back();  // "Re:" and "re" mean the same
        s = std::string(trim(s));
        if (s.empty() || s.find_first_of(" \t:") != std::string::npos) {
          return Unexpected(
              r.error("strip_prefixes", "'" + p + "' is not a prefix word (e.g. \"re\", \"fwd\")"));
        }
        rules.strip_prefixes.push_back(std::move(s));
      }
    }
    auto none = r.optional_string("no_subject");
    if (!none) return Unexpected(none.error());
    if (*none) {
      if (trim(**none).empty()) return Unexpected(r.error("no_subject", "must not be empty"));
      rules.no_subject = trim(**none);
    }
    auto quote = r.optional_int("quote_max_chars");
    if (!quote) return Unexpected(quote.error());
    if (*quote) {
      if (**quote < 100 || **quote > 20000) {
        return Unexpected(r.error("quote_max_chars", "must be between 100 and 20000"));
      }
      rules.quote_max_chars = static_cast<std::size_t>(**quote);
    }
    auto done = r.finish();
    if (!done) return Unexpected(done.error());
  }

  auto done = top.finish();
  if (!done) return Unexpected(done.error());
  return rules;
}

const Topic* TriageRules::topic(std::string_view id) const {
  for (const auto& t : topics) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

// ---- Classification ----

std::vector<std::string> Classification::risk_ids() const {
  std::vector<std::string> out;
  for (const auto& r : risks) out.push_back(r.id);
  return out;
}

std::vector<std::string> Classification::explain() const {
  std::vector<std::string> out;
  if (topic.cues.empty()) {
    out.push_back("topic " + topic.id + ": no topic keyword matched, so the fallback topic (" +
                  topic.label + ")");
  } else {
    out.push_back("topic " + topic.id + ": matched " + quoted_list(topic.cues) + " (" +
                  topic.label + ")");
  }
  out.push_back(
      "urgency " + urgency.id + ": " +
      (urgency.cues.empty() ? std::string("no urgency words") : quoted_list(urgency.cues)));
  out.push_back(
      "sentiment " + sentiment.id + ": " +
      (sentiment.cues.empty() ? std::string("no cue words") : quoted_list(sentiment.cues)));
  if (risks.empty()) {
    out.emplace_back("risk none: no risk keyword matched and the sender is not a VIP");
  }
  for (const auto& r : risks) {
    out.push_back("risk " + r.id + ": " + (r.cues.empty() ? r.detail : quoted_list(r.cues)) + " (" +
                  r.label + ")");
  }
  return out;
}

Classification classify(const TriageRules& rules, std::string_view subject, std::string_view text,
                        std::string_view from) {
  // The unit separator keeps a phrase from matching across the subject/body seam.
  const std::string hay = normalise(subject) + " \x1f " +
                          normalise(text.substr(0, std::min(text.size(), kMaxAnalysedText)));
  Classification c;

  // Topic: most matched keywords; ties go to the topic listed first.
  {
    std::vector<const std::string*> dimension;
    for (const auto& t : rules.topics) {
      for (const auto& k : t.keywords) dimension.push_back(&k);
    }
    const Topic* best = nullptr;
    std::vector<std::string> best_cues;
    const Topic* fallback = nullptr;
    for (const auto& t : rules.topics) {
      if (t.fallback()) {
        if (!fallback) fallback = &t;
        continue;
      }
      auto cues = find_cues(hay, t.keywords, dimension);
      if (!cues.empty() && cues.size() > best_cues.size()) {
        best = &t;
        best_cues = std::move(cues);
      }
    }
    if (!best) best = fallback;
    if (best) {
      c.topic.id = best->id;
      c.topic.label = best->label;
      c.topic.cues = std::move(best_cues);
    }
  }

  // Urgency.
  {
    auto dimension = all_of({&rules.urgency_high, &rules.urgency_low});
    auto high = find_cues(hay, rules.urgency_high, dimension);
    auto low = find_cues(hay, rules.urgency_low, dimension);
    if (!high.empty()) {
      c.urgency = {"high", "", std::move(high), ""};
    } else if (!low.empty()) {
      c.urgency = {"low", "", std::move(low), ""};
    } else {
      c.urgency = {"normal", "", {}, ""};
    }
  }

  // Sentiment: a single negative cue outweighs politeness ("thanks, but this is unacceptable").
  {
    auto dimension = all_of({&rules.sentiment_negative, &rules.sentiment_positive});
    auto neg = find_cues(hay, rules.sentiment_negative, dimension);
    auto pos = find_cues(hay, rules.sentiment_positive, dimension);
    if (!neg.empty()) {
      c.sentiment = {"negative", "", std::move(neg), ""};
    } else if (!pos.empty()) {
      c.sentiment = {"positive", "", std::move(pos), ""};
    } else {
      c.sentiment = {"neutral", "", {}, ""};
    }
  }

  // Risks: each is independent.
  for (const auto& r : rules.risks) {
    auto dimension = all_of({&r.keywords});
    auto cues = find_cues(hay, r.keywords, dimension);
    if (!cues.empty()) c.risks.push_back({r.id, r.label, std::move(cues), ""});
  }

  const std::string sender = lower(trim(from));
  if (!sender.empty()) {
    if (std::find(rules.vip_senders.begin(), rules.vip_senders.end(), sender) !=
        rules.vip_senders.end()) {
      c.vip = true;
      c.risks.push_back(
          {"vip", rules.vip_label, {}, "sender " + sender + " is listed in [vip] senders"});
    } else if (auto domain = email_domain(sender); !domain.empty()) {
      for (const auto& d : rules.vip_domains) {
        const bool same = domain == d;
        const bool sub = domain.size() > d.size() &&
                         domain.compare(domain.size() - d.size(), d.size(), d) == 0 &&
                         domain[domain.size() - d.size() - 1] == '.';
        if (same || sub) {
          c.vip = true;
          c.risks.push_back({"vip",
                             rules.vip_label,
                             {},
                             "domain " + domain + (same ? "" : " (under " + d + ")") +
                                 " is listed in [vip] domains"});
          break;
        }
      }
    }
  }
  return c;
}

// ---- reply helpers ----

std::string reply_subject(const TriageRules& rules, std::string_view subject) {
  // One line: CR, LF and tabs become spaces, runs of spaces collapse.
  std::string s;
  bool space = false;
  for (char ch : subject) {
    auto c = static_cast<unsigned char>(ch);
    if (is_space(c) || c < 0x20 || c == 0x7f) {
      space = true;
      continue;
    }
    if (space && !s.empty()) s += ' ';
    space = false;
    s += ch;
  }

  for (bool stripped = true; stripped;) {
    stripped = false;
    for (const auto& p : rules.strip_prefixes) {
      if (s.size() <= p.size() || lower(std::string_view(s).substr(0, p.size())) != p) continue;
      std::size_t j = p.size();
      // "Re[2]:" / "Re(2):" as some clients count replies.
      if (j < s.size() && (s[j] == '[' || s[j] == '(')) {
        const char close = s[j] == '[' ? ']' : ')';
        std::size_t k = j + 1;
        while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) ++k;
        if (k > j + 1 && k < s.size() && s[k] == close) j = k + 1;
      }
      while (j < s.size() && s[j] == ' ') ++j;
      if (j < s.size() && s[j] == ':') {
        s = std::string(trim(std::string_view(s).substr(j + 1)));
        stripped = true;
        break;
      }
    }
  }
  s = std::string(trim(s));
  if (s.empty()) s = rules.no_subject;
  return rules.subject_prefix + s;
}

std::string quote_text(std::string_view text, std::size_t max_chars) {
  // No leading blank lines (the first line's indentation stays).
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  auto line_start = text.find_last_of("\r\n", first);
  text.remove_prefix(line_start == std::string_view::npos ? 0 : line_start + 1);

  std::string t;
  t.reserve(std::min(text.size(), max_chars + 8));
  std::size_t i = 0;
  for (; i < text.size() && t.size() <= max_chars; ++i) {
    if (text[i] == '\r') {
      t += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      t += text[i];
    }
  }
  const bool more = text.find_first_not_of(" \t\r\n", i) != std::string_view::npos;
  t.erase(t.find_last_not_of(" \t\n") + 1);

  if (t.size() > max_chars || more) {
    std::size_t cut = std::min(max_chars, t.size());
    if (t.size() > max_chars) {
      auto ws = t.find_last_of(" \n", max_chars);
      if (ws != std::string::npos && ws >= max_chars / 2) cut = ws;
    }
    while (cut > 0 && (static_cast<unsigned char>(t[cut]) & 0xC0) == 0x80) --cut;
    t.resize(cut);
    t.erase(t.find_last_not_of(" \t\n") + 1);
    t += "…";
  }

  std::string out;
  std::size_t pos = 0;
  while (pos <= t.size()) {
    auto nl = t.find('\n', pos);
    auto line =
        std::string_view(t).substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    out += line.empty() ? ">" : "> " + std::string(line);
    if (nl == std::string::npos) break;
    out += '\n';
    pos = nl + 1;
  }
  return out;
}

}  // namespace steward::agents::support
