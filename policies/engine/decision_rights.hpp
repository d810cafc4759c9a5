#pragma once
// Decision rights: the business's own written answer to "may Steward do this alone, must it ask
// whom, or must it never do it?" Loaded once from decision-rights.toml (shape: RULES.md), then
// asked about every proposed action. First matching rule wins; nothing matched means deny.

#include <boost/json/object.hpp>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/action.hpp"
#include "bot/core/decision.hpp"
#include "bot/core/expected.hpp"
#include "policies/engine/conditions.hpp"  // Vars, the condition language

namespace steward::policies {

/// The loaded rules. Cheap to copy (shares the immutable rules).
/// @par Thread safety: immutable after loading; decide()/explain() may run concurrently.
///
/// File shape (each `[[rule]]`):
///  - `id` (required, unique), `action` (required: "email.send", "slack.*" or "*"),
///  - `when` (optional condition table, see conditions.hpp for the exact semantics),
///  - `decide` (required: "allow" | "ask" | "deny"),
///  - `approvers` (required for ask, only for ask: "role:NAME" / "person:SLACK_ID"),
///  - `expires_after` (ask only: "30m", "24h", "2d"; absent = never), `on_expiry` (ask only:
///    "reject" (default) | "escalate"), `reason` (optional text shown to people).
/// Fields a `when` may test: the action's fields by dotted path; derived `X.domain` for any
/// address field X (e.g. `to.domain`: lower-cased, "Name <a@b>" allowed, a list for several
/// recipients); `action.kind`; then the plan's facts (`lead.score`, `event.source`, `actor.roles`
/// — roles only for an actor the request proved: a Slack user or the CLI, never an email
/// sender or a form field).
/// Beside the rules, an optional `[visibility]` table: `all_approvals = ["role:director"]`.
class DecisionRights {
 public:
  /// Reads and parses a rules file. Decisions cite the file name ("decision-rights.toml#id");
  /// errors name the path. Errors: kNotFound (no file), kInvalidInput "PATH:LINE: key 'x': …"
  /// (syntax, unknown key, wrong type, missing or duplicate id, ask without approvers, bad
  /// regex, bad duration, unknown variable).
  [[nodiscard]] static Expected<DecisionRights> load_file(const std::filesystem::path& path,
                                                          const Vars& vars);
  /// Parses rules from text; `file_label` is used in errors and in Decision::rule.
  [[nodiscard]] static Expected<DecisionRights> load_string(std::string_view toml,
                                                            std::string_view file_label,
                                                            const Vars& vars);

  /// Decides one proposed action. `facts` is the plan's facts about the cause. Never fails:
  /// nothing matched → Decision{kDeny, "<label>#<default-deny>", "no rule matched; the default
  /// is deny"}. Decision::trace has one line per rule tried.
  [[nodiscard]] Decision decide(const Action& action, const boost::json::object& facts) const;

  /// A multi-line, human explanation of decide() for `steward policy explain`: every rule tried
  /// with the condition that failed (or held), the deciding rule, verdict, approvers and expiry.
  [[nodiscard]] std::string explain(const Action& action, const boost::json::object& facts) const;

  /// Who may list every pending approval (`[visibility] all_approvals`, "role:x" /
  /// "person:U…"); everyone else sees only what they may decide or caused. Empty by default.
  [[nodiscard]] const std::vector<std::string>& see_all_approvals() const noexcept;

  /// Number of rules.
  [[nodiscard]] std::size_t size() const noexcept;
  /// The label decisions cite ("decision-rights.toml").
  [[nodiscard]] const std::string& label() const noexcept;

  struct Impl;

 private:
  explicit DecisionRights(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace steward::policies
