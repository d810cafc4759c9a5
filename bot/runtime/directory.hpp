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
  explicit Directory(std::vector<Person> people);
  /// The person with this Slack id, or whose email is the same mailbox as `slack_id_or_email`
  /// (case and "+tag" sub-addressing ignored: see mailbox_identity()).
  [[nodiscard]] const Person* find(std::string_view slack_id_or_email) const;
  /// True when `slack_id` is a known person matching one of `approvers` ("role:x", "person:U1").
  [[nodiscard]] bool may_approve(const std::vector<std::string>& approvers,
                                 std::string_view slack_id) const;
  /// True when `person_id` (Slack id) is the same human as `requester` (Slack id or email in
  /// any case or with any "+tag": four-eyes must not be passed by writing from an alias).
  [[nodiscard]] bool same_person(std::string_view person_id, std::string_view requester) const;
  [[nodiscard]] const std::vector<Person>& people() const { return people_; }

 private:
  std::vector<Person> people_;
  std::vector<std::string> mailboxes_;  ///< mailbox_identity() of each person's email
};

}  // namespace steward::runtime
