#include "agents/support_triage/rules.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "agents/support_triage/keywords.hpp"
#include "bot/core/mailbox.hpp"
#include "bot/core/text.hpp"

namespace steward::agents::support {

namespace detail {

namespace {
bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}
}  // namespace

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

}  // namespace detail

namespace {

using detail::has_control;
using detail::is_space;
using detail::normalise;

constexpr std::size_t kMaxAnalysedText = 100'000;

// Letters and digits; bytes of multi-byte UTF-8 sequences count as letters, so a keyword never
// matches inside "café…" either.
bool is_word(unsigned char c) { return std::isalnum(c) || c >= 0x80; }

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

// One side of a two-sided dimension: its finding id and its keywords.
struct Side {
  const char* id;
  const std::vector<std::string>* words;
};

// Urgency or sentiment: `first` wins when any of its cues occurs, else `second`, else `neither`.
Finding two_sided(const std::string& hay, Side first, Side second, const char* neither) {
  const auto dimension = all_of({first.words, second.words});
  for (const Side& side : {first, second}) {
    if (auto cues = find_cues(hay, *side.words, dimension); !cues.empty())
      return {side.id, "", std::move(cues), ""};
  }
  return {neither, "", {}, ""};
}

std::string quoted_list(const std::vector<std::string>& cues) {
  std::string out;
  for (const auto& c : cues) out += (out.empty() ? "'" : ", '") + c + "'";
  return out;
}

}  // namespace

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

  c.urgency = two_sided(hay, {"high", &rules.urgency_high}, {"low", &rules.urgency_low}, "normal");
  // A single negative cue outweighs politeness ("thanks, but this is unacceptable").
  c.sentiment = two_sided(hay, {"negative", &rules.sentiment_negative},
                          {"positive", &rules.sentiment_positive}, "neutral");

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
