#pragma once
// Block Kit messages for approvals (pure). Every dynamic string is escaped by slack_escape()
// and every message carries a top-level `text` fallback. Block Kit limits are respected:
// ≤50 blocks, section text ≤3000, header ≤150, context ≤10 elements, button value ≤2000,
// block_id ≤255, confirm dialog texts within their limits, fallback text ≤4000.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/expected.hpp"

namespace steward::slack {

/// Block Kit limits used by the builders (characters = Unicode code points).
inline constexpr std::size_t kMaxBlocks = 50;
inline constexpr std::size_t kMaxSectionText = 3000;
inline constexpr std::size_t kMaxHeaderText = 150;
inline constexpr std::size_t kMaxFallbackText = 4000;
inline constexpr std::size_t kMaxApprovalIdLength = 200;  ///< keeps block_id "approval:<id>" ≤255

/// A rendered message: the fallback `text` and the `blocks` array.
struct RenderedMessage {
  std::string text;
  boost::json::array blocks;
};

/// The draft email shown in an approval request.
struct DraftEmail {
  std::string to, subject, text;
};

/// Fields of an `approval.post` action.
struct ApprovalRequest {
  std::string approval_id;
  std::string channel;
  std::string title;
  std::string summary;
  std::vector<std::string> reasons;
  std::optional<DraftEmail> draft;
  std::string rule;
  std::vector<std::string> approvers;  ///< Slack user ids (rendered as mentions) or names
  std::int64_t expires_at = 0;         ///< unix seconds; 0 = no expiry
  std::string requested_by;            ///< Slack user id or a name ("agent:lead_qualifier")
  std::string drafted_by;  ///< "provider/model" when a model wrote the action's text, else ""
};

enum class ApprovalStatus { kApproved, kRejected, kExpired };

/// Fields of an `approval.update` action.
struct ApprovalOutcome {
  std::string approval_id;
  std::string channel;
  std::string ts;
  std::string title;
  std::string summary;
  ApprovalStatus status = ApprovalStatus::kExpired;
  std::string decided_by;       ///< Slack user id; may be empty (e.g. decided on the dashboard)
  std::int64_t decided_at = 0;  ///< unix seconds
  std::string note;
};

/// Reads an approval.post action's fields. kInvalidInput naming the field when approval_id,
/// channel or title is missing, approval_id is longer than kMaxApprovalIdLength, or a field has
/// the wrong JSON type (reasons/approvers must be arrays of strings, draft an object,
/// expires_at an integer).
[[nodiscard]] Expected<ApprovalRequest> approval_request_from_fields(
    const boost::json::object& fields);

/// Reads an approval.update action's fields. kInvalidInput naming the field when approval_id,
/// channel, ts or title is missing or status is not approved|rejected|expired.
[[nodiscard]] Expected<ApprovalOutcome> approval_outcome_from_fields(
    const boost::json::object& fields);

/// The approval request: header, summary, reasons, draft email (quoted), context (rule,
/// approvers, expiry as <!date^…>), and an actions block (block_id "approval:<id>") with
/// Approve (approval.approve, primary, confirm dialog) and Reject (approval.reject, danger,
/// confirm dialog), both with value = approval_id.
RenderedMessage render_approval_request(const ApprovalRequest& request);

/// The decided/expired message: header, summary, the outcome line ("✅ Approved by <@U…> at …",
/// "❌ Rejected by …", "⌛ Expired at …"), the note, and a context line; no buttons.
RenderedMessage render_approval_outcome(const ApprovalOutcome& outcome);

/// Truncates to at most `max_chars` code points, ending with "…" when cut. Never splits a UTF-8
/// sequence or an &amp;/&lt;/&gt; entity.
std::string truncate_text(std::string_view text, std::size_t max_chars);

/// `<!date^SECONDS^{date_short_pretty} at {time}|YYYY-MM-DD HH:MM UTC>`.
std::string slack_date(std::int64_t unix_seconds);

/// A Slack mention `<@U…>` when `who` looks like a user id (U…/W… uppercase alphanumerics),
/// else the escaped text.
std::string mention_or_text(std::string_view who);

/// Number of Unicode code points in UTF-8 text (invalid bytes count as one each).
std::size_t utf8_length(std::string_view text);

}  // namespace steward::slack
