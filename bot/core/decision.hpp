#pragma once
// The answer of decision rights for one proposed action.

#include <chrono>
#include <string>
#include <vector>

namespace steward {

enum class Verdict { kAllow, kAsk, kDeny };

/// "allow" / "ask" / "deny".
inline const char* verdict_name(Verdict v) noexcept {
  switch (v) {
    case Verdict::kAllow: return "allow";
    case Verdict::kAsk: return "ask";
    case Verdict::kDeny: return "deny";
  }
  return "deny";
}

/// Always names the rule that decided ("decision-rights.toml#external-email", or
/// "decision-rights.toml#<default-deny>" when nothing matched).
struct Decision {
  Verdict verdict = Verdict::kDeny;
  std::string rule;
  std::string reason;
  std::vector<std::string> approvers;     ///< "role:director", "person:U0123" (ask only)
  std::chrono::seconds expires_after{0};  ///< ask only; 0 = never
  std::string on_expiry = "reject";       ///< ask only: "reject" | "escalate"
  std::vector<std::string> trace;         ///< each rule tried and why it did/didn't match
};

}  // namespace steward
