#pragma once
// Support triage rules (policies/rules/support-triage.toml) and the classification of one
// support email by them: topic, urgency, sentiment and risk, each explained by the words that
// decided it ("urgency high: 'asap'", "risk legal: 'lawyer' (Legal threat)").

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/expected.hpp"

namespace steward::agents::support {

/// One `[[topic]]`. A topic without keywords is the fallback (exactly one is required).
struct Topic {
  std::string id;
  std::string label;
  std::vector<std::string> keywords;  ///< normalised: lower-case, single spaces
  std::string template_file;          ///< a file name inside the templates folder
  std::string answer;  ///< the business's knowledge (mustache, plain text), reflowed: lines of a
                       ///< paragraph joined with spaces, paragraphs split by one blank line
  [[nodiscard]] bool fallback() const { return keywords.empty(); }
};

/// One `[[risk]]`: any keyword makes the ticket risky.
struct RiskRule {
  std::string id;
  std::string label;
  std::vector<std::string> keywords;  ///< normalised like Topic::keywords
};

/// The loaded support-triage.toml.
///
/// File shape (every key below is checked; unknown keys are errors):
///  - `[[topic]]` id, label, keywords (optional list; absent → the fallback topic), template
///    (file name, no folders), answer (non-empty; lines of one paragraph are joined);
///  - `[urgency]` (optional) high, low: lists of words; anything else is "normal";
///  - `[sentiment]` (optional) negative, positive: lists of cue words;
///  - `[[risk]]` (optional) id, label, keywords (non-empty); the id "vip" is reserved;
///  - `[vip]` (optional) senders (addresses), domains (a domain covers its subdomains), label
///    (default "VIP customer");
///  - `[escalation]` (required) role: the [[people]] role mentioned on risky tickets;
///  - `[reply]` (required) signature (mustache, non-empty), approver_role (informational),
///    subject_prefix (default "Re: "), strip_prefixes (default re, aw, sv, fwd, fw, wg),
///    no_subject (default "Your message"), quote_max_chars (100..20000, default 1000).
struct TriageRules {
  std::vector<Topic> topics;
  std::vector<std::string> urgency_high;
  std::vector<std::string> urgency_low;
  std::vector<std::string> sentiment_negative;
  std::vector<std::string> sentiment_positive;
  std::vector<RiskRule> risks;
  std::vector<std::string> vip_senders;  ///< lower-case addresses
  std::vector<std::string> vip_domains;  ///< lower-case domains
  std::string vip_label = "VIP customer";
  std::string escalation_role;
  std::string approver_role;
  std::string signature;
  std::string subject_prefix = "Re: ";
  std::vector<std::string> strip_prefixes = {"re", "aw", "sv", "fwd", "fw", "wg"};
  std::string no_subject = "Your message";
  std::size_t quote_max_chars = 1000;

  /// Reads support-triage.toml. Errors: kNotFound (no such file); kInvalidInput
  /// "PATH:LINE: key 'x': …" for syntax errors, unknown keys, wrong types, missing or empty
  /// values, duplicate ids, no or two fallback topics, a template that is not a plain file name.
  /// Start-up only (reads a file).
  [[nodiscard]] static Expected<TriageRules> load_file(const std::filesystem::path& path);
  /// Parses rules text; `label` names the source in errors. Pure.
  [[nodiscard]] static Expected<TriageRules> load_string(std::string_view toml,
                                                         std::string_view label);

  /// The topic with this id, or nullptr.
  [[nodiscard]] const Topic* topic(std::string_view id) const;
};

/// One classification finding and the words that decided it.
struct Finding {
  std::string id;                 ///< topic id, "high"/"normal"/"low", sentiment, risk id
  std::string label;              ///< the rule's label (empty for urgency and sentiment)
  std::vector<std::string> cues;  ///< the keywords that matched, in the rules file's order
  std::string detail;             ///< for "vip": why (sender or domain listed)
};

/// A ticket's classification. Plain value.
struct Classification {
  Finding topic;               ///< cues empty ⇔ the fallback topic
  Finding urgency;             ///< id "high", "normal" or "low"
  Finding sentiment;           ///< id "negative", "neutral" or "positive"
  std::vector<Finding> risks;  ///< [[risk]] order, then "vip"
  bool vip = false;

  [[nodiscard]] bool risky() const { return !risks.empty(); }
  [[nodiscard]] std::vector<std::string> risk_ids() const;
  /// One line per finding: "topic billing: matched 'invoice' (Billing and payments)",
  /// "urgency high: 'asap'", "sentiment negative: 'unacceptable'", "risk legal: 'lawyer'
  /// (Legal threat)", or "risk none: …" when nothing is risky.
  [[nodiscard]] std::vector<std::string> explain() const;
};

/// Classifies one email. Subject and text are both read (at most the first 100,000 bytes of the
/// text). Keywords match case-insensitively (ASCII) as whole words or phrases, across line
/// breaks; a longer phrase wins over a keyword inside it within the same dimension ("not urgent"
/// in low beats "urgent" in high). Topic: most matched keywords, ties to the earlier topic, else
/// the fallback. Urgency: high if any high word, else low if any low word, else normal.
/// Sentiment: negative if any negative cue, else positive if any positive cue, else neutral.
/// Risks: every [[risk]] with a match, then "vip" when `from` (an address) is listed in [vip]
/// senders or its domain (or a parent domain) in [vip] domains. Pure; thread-safe.
Classification classify(const TriageRules& rules, std::string_view subject, std::string_view text,
                        std::string_view from);

/// The reply's subject: `subject` on one line with any leading prefixes from strip_prefixes
/// ("Re:", "RE:", "Fwd:", "Re[2]:", "AW:" …, repeated) removed, then subject_prefix in front;
/// no_subject stands in for an empty subject. "RE: Fwd: re: Invoice" → "Re: Invoice". Pure.
std::string reply_subject(const TriageRules& rules, std::string_view subject);

/// The customer's text as an email quote: line endings normalised, cut to at most `max_chars`
/// bytes (at a word when possible, never inside a UTF-8 sequence, "…" appended), every line
/// prefixed with "> " (">" for empty lines). Empty text → empty string. Pure.
std::string quote_text(std::string_view text, std::size_t max_chars);

}  // namespace steward::agents::support
