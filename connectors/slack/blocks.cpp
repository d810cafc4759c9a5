#include "connectors/slack/blocks.hpp"

#include <boost/json/value.hpp>
#include <ctime>
#include <initializer_list>
#include <utility>

#include "bot/core/json.hpp"
#include "bot/core/text.hpp"

namespace steward::slack {

namespace {

constexpr std::size_t kMaxContextElementText = 2000;
constexpr std::size_t kMaxConfirmTitle = 100;
constexpr std::size_t kMaxConfirmText = 300;

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

boost::json::object mrkdwn(std::string text) {
  return {{"type", "mrkdwn"}, {"text", std::move(text)}};
}

boost::json::object plain(std::string text) {
  return {{"type", "plain_text"}, {"text", std::move(text)}, {"emoji", true}};
}

boost::json::object header_block(std::string_view title) {
  return {{"type", "header"}, {"text", plain(truncate_text(slack_escape(title), kMaxHeaderText))}};
}

/// `text` must already be escaped.
boost::json::object section_block(std::string_view escaped) {
  return {{"type", "section"}, {"text", mrkdwn(truncate_text(escaped, kMaxSectionText))}};
}

/// Prefixes every line with "> " so mrkdwn renders a quote.
std::string quote_lines(std::string_view escaped) {
  std::string out = "> ";
  for (char c : escaped) {
    out.push_back(c);
    if (c == '\n') out += "> ";
  }
  return out;
}

boost::json::object confirm_dialog(std::string title, std::string text, std::string confirm,
                                   std::string_view style) {
  return {{"title", plain(truncate_text(title, kMaxConfirmTitle))},
          {"text", plain(truncate_text(text, kMaxConfirmText))},
          {"confirm", plain(std::move(confirm))},
          {"deny", plain("Cancel")},
          {"style", style}};
}

boost::json::object button(std::string_view label, std::string_view action_id,
                           std::string_view value, std::string_view style,
                           boost::json::object confirm) {
  return {{"type", "button"},       {"text", plain(std::string(label))},
          {"action_id", action_id}, {"value", value},
          {"style", style},         {"confirm", std::move(confirm)}};
}

[[nodiscard]] Expected<std::string> required_string(const boost::json::object& f,
                                                    std::string_view key) {
  auto it = f.find(key);
  if (it == f.end() || !it->value().is_string() || it->value().get_string().empty())
    return fail(Errc::kInvalidInput, "missing or empty field '" + std::string(key) + "'");
  return std::string(it->value().get_string());
}

[[nodiscard]] Expected<std::string> optional_string(const boost::json::object& f,
                                                    std::string_view key) {
  auto it = f.find(key);
  if (it == f.end() || it->value().is_null()) return std::string();
  if (!it->value().is_string())
    return fail(Errc::kInvalidInput, "field '" + std::string(key) + "' must be a string");
  return std::string(it->value().get_string());
}

/// Each listed string field into its destination (required or optional ones); the first
/// problem is returned.
[[nodiscard]] Expected<void> read_strings(
    const boost::json::object& f, bool required,
    std::initializer_list<std::pair<const char*, std::string*>> fields) {
  for (auto [key, dst] : fields) {
    auto v = required ? required_string(f, key) : optional_string(f, key);
    if (!v) return Unexpected(v.error());
    *dst = std::move(*v);
  }
  return {};
}

[[nodiscard]] Expected<std::vector<std::string>> string_list(const boost::json::object& f,
                                                             std::string_view key) {
  std::vector<std::string> out;
  auto it = f.find(key);
  if (it == f.end() || it->value().is_null()) return out;
  if (!it->value().is_array())
    return fail(Errc::kInvalidInput, "field '" + std::string(key) + "' must be an array");
  for (const auto& v : it->value().get_array()) {
    if (!v.is_string())
      return fail(Errc::kInvalidInput,
                  "field '" + std::string(key) + "' must contain only strings");
    out.emplace_back(v.get_string());
  }
  return out;
}

[[nodiscard]] Expected<std::int64_t> optional_int(const boost::json::object& f,
                                                  std::string_view key) {
  auto it = f.find(key);
  if (it == f.end() || it->value().is_null()) return 0;
  auto v = json::get_int(f, key);
  if (!v) return fail(Errc::kInvalidInput, "field '" + std::string(key) + "' must be an integer");
  return *v;
}

std::string join_people(const std::vector<std::string>& people) {
  std::string out;
  for (const auto& p : people) {
    if (!out.empty()) out += ", ";
    out += mention_or_text(p);
  }
  return out;
}

std::string code(std::string_view raw) { return "`" + slack_escape(raw) + "`"; }

}  // namespace

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text)
    if (!is_continuation(c)) ++n;
  return n;
}

std::string truncate_text(std::string_view text, std::size_t max_chars) {
  if (utf8_length(text) <= max_chars) return std::string(text);
  if (max_chars == 0) return {};
  // Keep max_chars - 1 code points and append the one-character ellipsis.
  std::size_t keep = max_chars - 1, count = 0, cut = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_continuation(static_cast<unsigned char>(text[i]))) {
      if (count == keep) {
        cut = i;
        break;
      }
      ++count;
    }
    cut = i + 1;
  }
  std::string_view kept = text.substr(0, cut);
  // An entity cut in half would render as garbage: drop the partial "&am".
  auto amp = kept.rfind('&');
  if (amp != std::string_view::npos && kept.size() - amp < 5 &&
      kept.find(';', amp) == std::string_view::npos)
    kept = kept.substr(0, amp);
  return std::string(kept) + "…";
}

std::string slack_date(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  char buf[64] = "unknown time";
  if (gmtime_r(&t, &tm)) std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return "<!date^" + std::to_string(unix_seconds) + "^{date_short_pretty} at {time}|" + buf + ">";
}

std::string mention_or_text(std::string_view who) {
  bool id = who.size() >= 2 && (who[0] == 'U' || who[0] == 'W');
  for (char c : who)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) id = false;
  if (id) return "<@" + std::string(who) + ">";
  return slack_escape(who);
}

[[nodiscard]] Expected<ApprovalRequest> approval_request_from_fields(const boost::json::object& f) {
  ApprovalRequest r;
  auto id = required_string(f, "approval_id");
  if (!id) return Unexpected(id.error());
  if (id->size() > kMaxApprovalIdLength)
    return fail(Errc::kInvalidInput, "field 'approval_id' is longer than " +
                                         std::to_string(kMaxApprovalIdLength) + " bytes");
  r.approval_id = std::move(*id);
  if (auto read = read_strings(f, true, {{"channel", &r.channel}, {"title", &r.title}}); !read)
    return Unexpected(read.error());
  if (auto read = read_strings(f, false,
                               {{"summary", &r.summary},
                                {"rule", &r.rule},
                                {"requested_by", &r.requested_by},
                                {"drafted_by", &r.drafted_by}});
      !read)
    return Unexpected(read.error());
  auto reasons = string_list(f, "reasons");
  if (!reasons) return Unexpected(reasons.error());
  r.reasons = std::move(*reasons);
  auto approvers = string_list(f, "approvers");
  if (!approvers) return Unexpected(approvers.error());
  r.approvers = std::move(*approvers);
  auto expires = optional_int(f, "expires_at");
  if (!expires) return Unexpected(expires.error());
  r.expires_at = *expires;
  if (auto it = f.find("draft"); it != f.end() && !it->value().is_null()) {
    if (!it->value().is_object())
      return fail(Errc::kInvalidInput, "field 'draft' must be an object");
    const auto& d = it->value().get_object();
    DraftEmail draft;
    for (auto [key, dst] : {std::pair{"to", &draft.to}, std::pair{"subject", &draft.subject},
                            std::pair{"text", &draft.text}}) {
      auto v = optional_string(d, key);
      if (!v) return fail(Errc::kInvalidInput, "draft: " + v.error().message);
      *dst = std::move(*v);
    }
    r.draft = std::move(draft);
  }
  return r;
}

[[nodiscard]] Expected<ApprovalOutcome> approval_outcome_from_fields(const boost::json::object& f) {
  ApprovalOutcome o;
  if (auto read = read_strings(f, true,
                               {{"approval_id", &o.approval_id},
                                {"channel", &o.channel},
                                {"ts", &o.ts},
                                {"title", &o.title}});
      !read)
    return Unexpected(read.error());
  if (auto read = read_strings(
          f, false, {{"summary", &o.summary}, {"decided_by", &o.decided_by}, {"note", &o.note}});
      !read)
    return Unexpected(read.error());
  auto status = required_string(f, "status");
  if (!status) return Unexpected(status.error());
  if (*status == "approved")
    o.status = ApprovalStatus::kApproved;
  else if (*status == "rejected")
    o.status = ApprovalStatus::kRejected;
  else if (*status == "expired")
    o.status = ApprovalStatus::kExpired;
  else
    return fail(Errc::kInvalidInput, "field 'status' must be approved, rejected or expired");
  auto at = optional_int(f, "decided_at");
  if (!at) return Unexpected(at.error());
  o.decided_at = *at;
  return o;
}

RenderedMessage render_approval_request(const ApprovalRequest& r) {
  RenderedMessage m;
  m.blocks.emplace_back(header_block(r.title));
  m.blocks.emplace_back(section_block(r.summary.empty() ? std::string("_No summary given._")
                                                        : slack_escape(r.summary)));
  if (!r.reasons.empty()) {
    std::string text = "*Why this needs approval*";
    for (const auto& reason : r.reasons) text += "\n• " + slack_escape(reason);
    m.blocks.emplace_back(section_block(text));
  }
  if (!r.drafted_by.empty())
    m.blocks.emplace_back(section_block(
        ":robot_face: *Written by a model* (" + code(r.drafted_by) +
        "), not by a person or a template: check the facts and the tone before approving."));
  if (r.draft) {
    std::string body = "*To:* " + slack_escape(r.draft->to) + "\n*Subject:* " +
                       slack_escape(r.draft->subject) + "\n\n" + slack_escape(r.draft->text);
    m.blocks.emplace_back(section_block("*Draft email*\n" + quote_lines(body)));
  }
  boost::json::array context;
  if (!r.rule.empty()) context.emplace_back(mrkdwn("Rule " + code(r.rule)));
  if (!r.approvers.empty())
    context.emplace_back(
        mrkdwn(truncate_text("Approvers: " + join_people(r.approvers), kMaxContextElementText)));
  if (r.expires_at > 0) context.emplace_back(mrkdwn("Expires " + slack_date(r.expires_at)));
  if (!r.requested_by.empty())
    context.emplace_back(mrkdwn(
        truncate_text("Requested by " + mention_or_text(r.requested_by), kMaxContextElementText)));
  context.emplace_back(mrkdwn("Approval " + code(r.approval_id)));
  m.blocks.emplace_back(boost::json::object{{"type", "context"}, {"elements", std::move(context)}});

  std::string short_title = truncate_text(slack_escape(r.title), 200);
  boost::json::array buttons;
  buttons.emplace_back(button(
      "Approve", "approval.approve", r.approval_id, "primary",
      confirm_dialog("Approve this request?", "Approve: " + short_title, "Approve", "primary")));
  buttons.emplace_back(
      button("Reject", "approval.reject", r.approval_id, "danger",
             confirm_dialog("Reject this request?", "Reject: " + short_title, "Reject", "danger")));
  m.blocks.emplace_back(boost::json::object{{"type", "actions"},
                                            {"block_id", "approval:" + r.approval_id},
                                            {"elements", std::move(buttons)}});

  std::string text = "Approval needed: " + slack_escape(r.title);
  if (!r.summary.empty()) text += " — " + slack_escape(r.summary);
  m.text = truncate_text(text, kMaxFallbackText);
  return m;
}

RenderedMessage render_approval_outcome(const ApprovalOutcome& o) {
  std::string line;
  switch (o.status) {
    case ApprovalStatus::kApproved: line = "✅ Approved"; break;
    case ApprovalStatus::kRejected: line = "❌ Rejected"; break;
    case ApprovalStatus::kExpired: line = "⌛ Expired"; break;
  }
  if (o.status != ApprovalStatus::kExpired && !o.decided_by.empty())
    line += " by " + mention_or_text(o.decided_by);
  if (o.decided_at > 0) line += " at " + slack_date(o.decided_at);

  RenderedMessage m;
  m.blocks.emplace_back(header_block(o.title));
  if (!o.summary.empty()) m.blocks.emplace_back(section_block(slack_escape(o.summary)));
  m.blocks.emplace_back(section_block(line));
  if (!o.note.empty()) m.blocks.emplace_back(section_block(quote_lines(slack_escape(o.note))));
  boost::json::array context;
  context.emplace_back(mrkdwn("Approval " + code(o.approval_id)));
  m.blocks.emplace_back(boost::json::object{{"type", "context"}, {"elements", std::move(context)}});
  m.text = truncate_text(line + ": " + slack_escape(o.title), kMaxFallbackText);
  return m;
}

}  // namespace steward::slack
