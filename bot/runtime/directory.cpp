#include "bot/runtime/directory.hpp"

#include <algorithm>

#include "bot/core/mailbox.hpp"
#include "bot/core/text.hpp"

namespace steward::runtime {

Directory::Directory(std::vector<Person> people) : people_(std::move(people)) {
  mailboxes_.reserve(people_.size());
  for (const auto& p : people_) mailboxes_.push_back(mailbox_identity(p.email));
}

const Person* Directory::find(std::string_view id) const {
  if (id.empty()) return nullptr;
  for (const auto& p : people_)
    if (p.slack_id == id) return &p;
  // Mail to "dana+x@Example.com" reaches dana@example.com: the same person for every check.
  const std::string mailbox = mailbox_identity(id);
  if (mailbox.empty()) return nullptr;
  for (std::size_t i = 0; i < people_.size(); ++i)
    if (mailboxes_[i] == mailbox) return &people_[i];
  return nullptr;
}

bool Directory::may_approve(const std::vector<std::string>& approvers,
                            std::string_view slack_id) const {
  const Person* p = find(slack_id);
  if (!p || p->slack_id.empty() || p->slack_id != slack_id) return false;
  for (const auto& a : approvers) {
    std::string_view v(a);
    if (v.rfind("person:", 0) == 0 && v.substr(7) == slack_id) return true;
    if (v.rfind("role:", 0) == 0) {
      auto role = v.substr(5);
      if (std::find(p->roles.begin(), p->roles.end(), role) != p->roles.end()) return true;
    }
  }
  return false;
}

bool Directory::same_person(std::string_view person_id, std::string_view requester) const {
  if (person_id.empty() || requester.empty()) return false;
  if (iequals(person_id, requester) || same_mailbox(person_id, requester)) return true;
  const Person* a = find(person_id);
  const Person* b = find(requester);
  return a && b && a == b;
}

}  // namespace steward::runtime
