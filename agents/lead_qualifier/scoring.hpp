#pragma once
// Lead scoring from the business's own criteria (policies/rules/lead-scoring.toml, shape in
// RULES.md): every criterion that holds adds (or removes) its points, and every point is explained
// ("+25 Large company (200+ employees): employees 850 ≥ 200 (size-large)").

#include <boost/json/object.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/expected.hpp"

namespace steward::agents::lead {

/// One scoring criterion. Exactly one test is set (gte and lte together form a range).
struct Criterion {
  std::string id;
  std::string label;
  std::string field;  ///< a lead field: employees, budget, message, email, company, phone, name,
                      ///< or the derived email_domain
  int points = 0;     ///< may be negative
  std::optional<double> gte;             ///< numeric field ≥ gte
  std::optional<double> lte;             ///< numeric field ≤ lte
  std::optional<std::string> eq_text;    ///< text equals (case-insensitive)
  std::optional<double> eq_number;       ///< number equals
  std::vector<std::string> matches_any;  ///< text contains any of these words/phrases
  std::vector<std::string> in;           ///< value is one of these (case-insensitive)
  std::optional<bool> missing;           ///< true: absent/blank; false: given
};

/// The loaded scoring rules.
///
/// File shape: top-level `baseline` (optional int, default 0: the points every lead starts
/// with); `[[criterion]]` tables (id, label, field, points + one test: gte, lte, gte+lte, eq,
/// matches_any, in, missing); `[stages]` hot, warm (required; hot > warm; below warm is
/// "nurture"); `[follow_up]` (optional) stages = which stages get a drafted email, subject = a
/// mustache subject template (required when stages is not empty). Without `[follow_up]` no email
/// is drafted.
///
/// Field values: numbers may arrive as text; a text value counts by its first number ("850",
/// "1,200", "$50,000", "200+" → 200, "50-199" → 50, "20k" → 20000). matches_any finds a word or
/// phrase case-insensitively where it starts a word ("buy" matches "buying", not "nobuy").
struct ScoringRules {
  std::vector<Criterion> criteria;
  int baseline = 0;
  int hot = 70;
  int warm = 40;
  std::vector<std::string> follow_up_stages;
  std::string follow_up_subject;

  /// Reads lead-scoring.toml. Errors: kNotFound; kInvalidInput "PATH:LINE: key 'x': …" for
  /// syntax errors, unknown keys, wrong types, missing keys, no/two tests, duplicate ids.
  [[nodiscard]] static Expected<ScoringRules> load_file(const std::filesystem::path& path);
  /// Parses rules text; `label` names the source in errors.
  [[nodiscard]] static Expected<ScoringRules> load_string(std::string_view toml,
                                                          std::string_view label);

  /// "hot" (total ≥ hot), "warm" (≥ warm) or "nurture".
  [[nodiscard]] std::string stage_for(int total) const;
  /// Whether leads in `stage` get a drafted follow-up email.
  [[nodiscard]] bool follows_up(std::string_view stage) const;
};

/// One criterion that held.
struct ScoreLine {
  std::string criterion_id, label;
  int points = 0;
  std::string detail;  ///< e.g. "employees 850 ≥ 200"
  /// "+25 Large company (200+ employees): employees 850 ≥ 200 (size-large)".
  [[nodiscard]] std::string text() const;
};

struct Score {
  int total = 0;
  std::string stage;
  std::vector<ScoreLine> lines;  ///< criteria that held, in file order (baseline first if ≠ 0)
};

/// Scores a lead's fields (the form's `fields` object). Pure; thread-safe.
Score score(const ScoringRules& rules, const boost::json::object& lead_fields);

}  // namespace steward::agents::lead
