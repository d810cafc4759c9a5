#pragma once
// Who is who: the [[people]] of the config, and who may decide an approval.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/runtime/config.hpp"

namespace steward::runtime {

/// Immutable after construction; thread-safe.
class Directory {
 public:
  explicit Directory(std::vector<Person> people) : people_(std::move(people)) {}
  /// The person with this Slack id or (case-insensitive) email.
  [[nodiscard]] const Person* find(std::string_view slack_id_or_email) const;
  /// True when `slack_id` is a known person matching one of `approvers` ("role:x", "person:U1").
  [[nodiscard]] bool may_approve(const std::vector<std::string>& approvers,
                                 std::string_view slack_id) const;
  /// True when `person_id` (Slack id) is the same human as `requester` (Slack id or email).
  [[nodiscard]] bool same_person(std::string_view person_id, std::string_view requester) const;
  [[nodiscard]] const std::vector<Person>& people() const { return people_; }

 private:
  std::vector<Person> people_;
};

}  // namespace steward::runtime
