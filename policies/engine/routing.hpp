#pragma once
// Routing: which agent handles which event, from routing.toml (shape: RULES.md). First matching
// route wins; an event no route matches is handled by no agent.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bot/core/event.hpp"
#include "bot/core/expected.hpp"
#include "policies/engine/conditions.hpp"  // Vars, the condition language

namespace steward::policies {

/// The route that matched an event.
struct RouteMatch {
  std::string route_id;  ///< "website-leads"
  std::string agent;     ///< "lead_qualifier"
  std::string rule;      ///< "routing.toml#website-leads", for the audit log
};

/// The loaded routes. Cheap to copy. @par Thread safety: immutable; route() may run concurrently.
///
/// File shape (each `[[route]]`): `id` (required, unique), `event` (required: an event kind
/// "form.submitted", a prefix "form.*" or "*"), `when` (optional condition table, see
/// conditions.hpp), `agent` (required). Fields a `when` may test: the event payload by dotted
/// path (`form`, `fields.email`), plus `event.source`, `event.kind`, `event.actor`.
class Routing {
 public:
  /// Reads and parses routing.toml. Errors: kNotFound, kInvalidInput "PATH:LINE: key 'x': …".
  [[nodiscard]] static Expected<Routing> load_file(const std::filesystem::path& path,
                                                   const Vars& vars);
  /// Parses routes from text; `file_label` is used in errors and in RouteMatch::rule.
  [[nodiscard]] static Expected<Routing> load_string(std::string_view toml,
                                                     std::string_view file_label, const Vars& vars);

  /// The first route whose event kind and conditions match, or nullopt.
  [[nodiscard]] std::optional<RouteMatch> route(const Event& event) const;
  /// Human explanation of route(): each route tried and why it did or did not match.
  [[nodiscard]] std::string explain(const Event& event) const;

  [[nodiscard]] std::size_t size() const noexcept;

  struct Impl;

 private:
  explicit Routing(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace steward::policies
