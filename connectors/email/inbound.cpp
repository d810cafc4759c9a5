#include "connectors/email/inbound.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <charconv>
#include <utility>

#include "bot/core/mailbox.hpp"
#include "bot/core/printable.hpp"
#include "bot/core/text.hpp"
#include "connectors/common/crypto.hpp"
#include "connectors/common/form.hpp"
#include "connectors/email/inbound_providers.hpp"
#include "connectors/email/message.hpp"

namespace steward::email {

namespace {

using detail::make_valid_utf8;

/// Mailgun tokens remembered for replay protection, at most.
constexpr std::size_t kMaxSeenTokens = 100'000;

/// "-----Original Message-----", "----- Original Message -----" and the like.
bool is_original_message_line(std::string_view line) {
  line = trim(line);
  if (line.size() < 20 || line.front() != '-' || line.back() != '-') return false;
  auto first = line.find_first_not_of('-');
  if (first == std::string_view::npos) return false;
  auto inner = line.substr(first);
  while (!inner.empty() && inner.back() == '-') inner.remove_suffix(1);
  return lower(trim(inner)) == "original message";
}

bool is_signature_line(std::string_view line) {
  // RFC 3676 "-- "; some clients trim the trailing space.
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line == "-- " || line == "--";
}

bool starts_attribution(std::string_view line) { return istarts_with(trim(line), "on "); }
bool ends_attribution(std::string_view line) { return iends_with(trim(line), "wrote:"); }

/// Lines of `text` with CRLF / CR turned into LF.
std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::string current;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r' || c == '\n') {
      lines.push_back(std::move(current));
      current.clear();
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      current += c;
    }
  }
  lines.push_back(std::move(current));
  return lines;
}

/// "Name: value" → first word of the value, lower-cased ("auto-replied; x=y" → "auto-replied").
std::string header_keyword(std::string_view value) {
  value = trim(value);
  auto end = value.find_first_of("; \t(");
  return lower(value.substr(0, end));
}

/// True for "mailer-daemon@…", "postmaster@…" and bare "MAILER-DAEMON".
bool is_system_sender(std::string_view address) {
  address = trim(address);
  if (!address.empty() && address.front() == '<' && address.back() == '>')
    address = address.substr(1, address.size() - 2);
  auto local = lower(address.substr(0, address.find('@')));
  return local == "mailer-daemon" || local == "postmaster";
}

/// Lower-cased and deduplicated. What is not an addr-spec is dropped: it can be neither a reply
/// token nor answered, and it must not reach a log, Slack or a reply.
void dedupe_lower(std::vector<std::string>& addresses) {
  std::vector<std::string> out;
  out.reserve(addresses.size());
  for (auto& a : addresses) {
    auto l = make_valid_utf8(lower(trim(a)));
    if (!is_ascii_email_address(l) || std::find(out.begin(), out.end(), l) != out.end()) continue;
    out.push_back(std::move(l));
  }
  addresses = std::move(out);
}

bool configured_provider(const InboundConfig& c, std::string_view provider) {
  if (provider == "mailgun") return !c.mailgun.signing_key.empty();
  if (provider == "postmark") return !c.postmark.username.empty() || !c.postmark.password.empty();
  if (provider == "sendgrid")
    return !c.sendgrid.token.empty() || !c.sendgrid.username.empty() ||
           !c.sendgrid.password.empty();
  return false;
}

bool known_provider(std::string_view p) {
  return p == "mailgun" || p == "postmark" || p == "sendgrid";
}

/// What goes into an error about a provider name or media type from the request: bounded.
constexpr std::size_t kMaxEcho = 64;

/// `Authorization: Basic …` against the expected credentials (constant-time).
[[nodiscard]] Expected<void> check_basic(const net::HttpRequest& request, std::string_view provider,
                                         std::string_view username, const Secret& password) {
  auto header = trim(request.header("authorization"));
  if (header.empty())
    return fail(Errc::kUnauthenticated, std::string(provider) + " basic auth missing");
  if (!istarts_with(header, "basic "))
    return fail(Errc::kUnauthenticated, std::string(provider) + " authorization is not basic auth");
  auto given = trim(header.substr(6));
  std::string expected =
      connectors::base64_encode(std::string(username) + ":" + std::string(password.reveal()));
  if (!connectors::constant_time_equal(given, expected))
    return fail(Errc::kUnauthenticated, std::string(provider) + " basic auth does not match");
  return {};
}

/// The `token` query parameter, decoded; nullopt when absent or undecodable.
std::optional<std::string> query_token(std::string_view query) {
  auto form = connectors::parse_form(query);
  if (!form) return std::nullopt;
  const auto* v = connectors::form_get(*form, "token");
  if (!v) return std::nullopt;
  return *v;
}

/// SendGrid: the `token` query parameter or Basic auth, whichever is configured (either one
/// passing is enough when both are).
[[nodiscard]] Expected<void> check_sendgrid_auth(const net::HttpRequest& request,
                                                 const InboundConfig& config) {
  const auto& sg = config.sendgrid;
  const bool token_configured = !sg.token.empty();
  const bool basic_configured = !sg.username.empty() || !sg.password.empty();
  std::optional<std::string> given = token_configured ? query_token(request.query) : std::nullopt;
  if (given && connectors::constant_time_equal(*given, sg.token.reveal())) return {};
  const bool basic_given = !request.header("authorization").empty();
  if (basic_configured) {
    auto basic = check_basic(request, "sendgrid", sg.username, sg.password);
    if (basic || basic_given || !token_configured) return basic;
  }
  if (given) return fail(Errc::kUnauthenticated, "sendgrid token does not match");
  if (basic_configured)
    return fail(Errc::kUnauthenticated,
                "sendgrid credentials missing (token query parameter or basic auth)");
  return fail(Errc::kUnauthenticated, "sendgrid token missing");
}

}  // namespace

// ---- pure functions -------------------------------------------------------------------------

std::string strip_quoted_reply(std::string_view text) {
  auto lines = split_lines(text);
  std::vector<std::string> kept;
  kept.reserve(lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (is_original_message_line(line) || is_signature_line(line)) break;
    if (starts_attribution(line)) {
      if (ends_attribution(line)) break;
      // Clients wrap long attributions: "On Tue, 3 Nov 2026 at 14:05, Jane Doe" / "<j@x> wrote:".
      if (i + 1 < lines.size() && ends_attribution(lines[i + 1]) && !trim(lines[i + 1]).empty() &&
          lines[i + 1].front() != '>')
        break;
    }
    if (!line.empty() && line.front() == '>') continue;
    kept.push_back(line);
  }
  std::string out;
  for (const auto& l : kept) {
    out += l;
    out += '\n';
  }
  return std::string(trim(out));
}

std::optional<std::string> auto_reply_reason(
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view from,
    std::string_view envelope_from) {
  for (const auto& [name, value] : headers) {
    auto n = lower(trim(name));
    if (n == "auto-submitted") {
      auto kw = header_keyword(value);
      if (!kw.empty() && kw != "no") return "Auto-Submitted: " + printable(kw, 64);
    } else if (n == "precedence") {
      auto kw = header_keyword(value);
      if (kw == "bulk" || kw == "list" || kw == "junk" || kw == "auto_reply")
        return "Precedence: " + kw;
    } else if (n == "x-autoreply" || n == "x-autorespond") {
      if (!trim(value).empty()) return std::string(name) + " header present";
    }
  }
  if (is_system_sender(envelope_from))
    return "envelope sender " + make_valid_utf8(lower(trim(envelope_from)));
  if (is_system_sender(from)) return "sender " + make_valid_utf8(lower(trim(from)));
  return std::nullopt;
}

Event to_event(const InboundEmail& mail, TimePoint received_at) {
  Event ev;
  ev.source = "email";
  ev.kind = "email.received";
  ev.actor = mail.from.empty() ? std::string(kInvalidSender) : mail.from;
  ev.received_at = received_at;
  if (!mail.message_id.empty()) {
    ev.dedupe_key = "email:" + mail.message_id;
  } else {
    const std::string& sender = mail.from.empty() ? mail.invalid_sender : mail.from;
    ev.dedupe_key =
        "email:" + mail.provider + ":" +
        connectors::to_hex(connectors::sha256(sender + "\n" + mail.subject + "\n" + mail.text));
  }
  auto strings = [](const std::vector<std::string>& v) {
    boost::json::array a;
    a.reserve(v.size());
    for (const auto& s : v) a.emplace_back(s);
    return a;
  };
  boost::json::object& p = ev.payload;
  p["provider"] = mail.provider;
  p["from"] = mail.from;
  p["invalid_sender"] = mail.invalid_sender;
  p["from_name"] = mail.from_name;
  p["to"] = strings(mail.to);
  p["cc"] = strings(mail.cc);
  p["subject"] = mail.subject;
  p["text"] = mail.text;
  p["message_id"] = mail.message_id;
  p["in_reply_to"] = mail.in_reply_to;
  p["references"] = strings(mail.references);
  if (mail.conversation_id) p["conversation_id"] = *mail.conversation_id;
  if (!mail.reply_token_refused.empty()) p["reply_token_refused"] = mail.reply_token_refused;
  p["auto_reply"] = mail.auto_reply;
  p["auto_reason"] = mail.auto_reason;
  p["attachments"] = mail.attachments;
  return ev;
}

// ---- EmailInbound ---------------------------------------------------------------------------

namespace {

/// "MAILER-DAEMON" without a domain: a bounce's usual envelope sender.
bool is_bare_system_name(std::string_view s) { return s == "mailer-daemon" || s == "postmaster"; }

/// Validates From and the envelope sender as the provider gave them. A field that is
/// not an addr-spec — CR/LF or other control characters, spaces, angle brackets, a second
/// '@'… — counts as absent; From falls back to a valid envelope sender as it does when absent.
/// When neither is an address, `from` is "" and `invalid_sender` keeps the text, escaped.
///
/// Why such a mail is kept rather than answered with 400: the providers retry a 4xx for hours
/// and then drop the mail, so a real customer's message would be lost over one malformed
/// header. Kept, it is filed and shown to a person; the actor (kInvalidSender), the logs, the
/// audit and any reply only ever see validated text. False when the mail names no sender.
bool take_sender(detail::ProviderMail& parsed) {
  InboundEmail& mail = parsed.mail;
  const std::string from = make_valid_utf8(lower(trim(mail.from)));
  const std::string envelope = make_valid_utf8(lower(trim(mail.envelope_from)));
  const bool envelope_ok = is_ascii_email_address(envelope) || is_bare_system_name(envelope);
  // An unusable envelope sender is unknown, not empty: "" would classify the mail as a bounce.
  if (!envelope.empty() && !envelope_ok) parsed.envelope_known = false;
  mail.envelope_from = envelope_ok ? envelope : "";
  mail.from = is_ascii_email_address(from) ? from : "";
  if (mail.from.empty() && is_ascii_email_address(envelope)) mail.from = envelope;
  if (!mail.from.empty()) return true;
  const std::string& raw = !from.empty() ? from : envelope;
  if (raw.empty()) return false;
  mail.invalid_sender = printable(raw, 200);
  return true;
}

/// Normalisation shared by every provider: UTF-8, lower-cased and deduplicated addresses, the
/// sender check, loop protection and the reply token.
[[nodiscard]] Expected<InboundEmail> finish(detail::ProviderMail parsed,
                                            const ReplyTokenConfig& reply) {
  if (!take_sender(parsed)) return fail(Errc::kInvalidInput, "no sender address");
  InboundEmail mail = std::move(parsed.mail);
  mail.from_name = single_line(make_valid_utf8(mail.from_name));
  mail.subject = single_line(make_valid_utf8(mail.subject));
  mail.text = make_valid_utf8(mail.text);
  mail.message_id = make_valid_utf8(mail.message_id);
  mail.in_reply_to = make_valid_utf8(mail.in_reply_to);
  for (auto& r : mail.references) r = make_valid_utf8(r);
  dedupe_lower(mail.to);
  dedupe_lower(mail.cc);

  if (auto reason = auto_reply_reason(parsed.headers, mail.from, mail.envelope_from)) {
    mail.auto_reply = true;
    mail.auto_reason = std::move(*reason);
  } else if (parsed.envelope_known && mail.envelope_from.empty()) {
    mail.auto_reply = true;
    mail.auto_reason = "empty envelope sender (bounce)";
  }

  if (reply.enabled()) {
    std::vector<std::string> candidates = mail.to;
    candidates.insert(candidates.end(), mail.cc.begin(), mail.cc.end());
    for (const auto& hash : parsed.mailbox_hashes)
      candidates.push_back(reply.local + "+" + hash + "@" + reply.domain);
    // Every reply address is tried: the one made for this sender may not be the first (a reply
    // to all puts other people's reply addresses in To or Cc).
    for (const auto& token : find_reply_tokens(candidates, reply)) {
      auto id = verify_reply_token(token, mail.from, reply.secret);
      if (id) {
        mail.conversation_id = std::move(*id);
        mail.reply_token_refused.clear();
        break;
      }
      // Only the claimed conversation (a well-formed id), never the MAC part of the token.
      if (id.error().code == Errc::kUnauthenticated && mail.reply_token_refused.empty())
        mail.reply_token_refused = token.substr(0, token.rfind('.'));
      spdlog::warn("email: ignoring a reply token from {}: {}", printable(mail.from, 120),
                   id.error().message);
    }
  }
  return mail;
}

}  // namespace

EmailInbound::EmailInbound(InboundConfig config, const Clock& clock)
    : config_(std::move(config)), clock_(clock) {}

bool EmailInbound::configured(std::string_view provider) const {
  return configured_provider(config_, provider);
}

Expected<InboundEmail> EmailInbound::parse(std::string_view provider, std::string_view content_type,
                                           std::string_view body) const {
  Expected<detail::ProviderMail> parsed = fail(Errc::kInternal, "unreachable");
  if (provider == "mailgun") {
    auto fields = detail::mailgun_fields(content_type, body);
    if (!fields) return Unexpected(fields.error());
    parsed = detail::parse_mailgun(*fields);
  } else if (provider == "postmark") {
    auto media = detail::media_type(content_type);
    if (media != "application/json")
      return fail(Errc::kUnsupportedMedia,
                  "postmark posts application/json, got '" + printable(media, kMaxEcho) + "'");
    parsed = detail::parse_postmark(body);
  } else if (provider == "sendgrid") {
    auto media = detail::media_type(content_type);
    if (media != "multipart/form-data")
      return fail(Errc::kUnsupportedMedia,
                  "sendgrid posts multipart/form-data, got '" + printable(media, kMaxEcho) + "'");
    auto fields = detail::parse_multipart_form(content_type, body);
    if (!fields) return Unexpected(fields.error());
    parsed = detail::parse_sendgrid(*fields);
  } else {
    return fail(Errc::kNotFound, "unknown email provider '" + printable(provider, kMaxEcho) + "'");
  }
  if (!parsed) return Unexpected(parsed.error());
  return finish(std::move(*parsed), config_.reply);
}

Expected<InboundAuth> EmailInbound::authenticate(const net::HttpRequest& request) {
  const auto provider = request.param("provider");
  if (!known_provider(provider))
    return fail(Errc::kNotFound, "unknown email provider '" + printable(provider, kMaxEcho) + "'");
  if (!configured(provider))
    return fail(Errc::kNotFound,
                "email provider '" + std::string(provider) + "' is not configured");
  InboundAuth auth{std::string(provider), std::nullopt};

  if (provider == "postmark") {
    auto ok =
        check_basic(request, "postmark", config_.postmark.username, config_.postmark.password);
    if (!ok) return Unexpected(ok.error());
    return auth;
  }
  if (provider == "sendgrid") {
    auto ok = check_sendgrid_auth(request, config_);
    if (!ok) return Unexpected(ok.error());
    return auth;
  }

  // Mailgun signs inside the body: a linear scan reads the three fields, the rest of the body
  // is only interpreted once they verify.
  auto fields = detail::scan_mailgun_signature(request.header("content-type"), request.body);
  if (!fields) return Unexpected(fields.error());
  const auto& [timestamp, token, signature] = *fields;
  if (token.empty())
    return fail(Errc::kUnauthenticated,
                "mailgun signature fields missing (timestamp, token, signature)");
  auto expected = connectors::to_hex(
      connectors::hmac_sha256(config_.mailgun.signing_key.reveal(), timestamp + token));
  if (!connectors::constant_time_equal(lower(trim(signature)), expected))
    return fail(Errc::kUnauthenticated, "mailgun signature does not match");
  std::int64_t ts = 0;
  auto tsv = trim(timestamp);
  auto [ptr, ec] = std::from_chars(tsv.data(), tsv.data() + tsv.size(), ts);
  // The bound keeps the arithmetic below far from overflow.
  if (ec != std::errc{} || ptr != tsv.data() + tsv.size() || ts < 0 || ts > (1LL << 40))
    return fail(Errc::kUnauthenticated, "mailgun timestamp is not a Unix time");
  const auto now = clock_.now();
  const std::int64_t now_s = to_unix_seconds(now);
  const std::int64_t limit = config_.max_age.count();
  if (now_s - ts > limit)
    return fail(Errc::kUnauthenticated, "mailgun timestamp is " + std::to_string(now_s - ts) +
                                            " s old (limit " + std::to_string(limit) + " s)");
  if (ts - now_s > limit)
    return fail(Errc::kUnauthenticated, "mailgun timestamp is " + std::to_string(ts - now_s) +
                                            " s in the future (limit " + std::to_string(limit) +
                                            " s)");
  {
    std::lock_guard lock(replay_mutex_);
    const std::int64_t now_ms = to_unix_ms(now);
    const std::int64_t keep_ms = 2 * limit * 1000;
    while (!token_order_.empty() && (now_ms - token_order_.front().first > keep_ms ||
                                     token_order_.size() >= kMaxSeenTokens)) {
      seen_tokens_.erase(token_order_.front().second);
      token_order_.pop_front();
    }
    if (!seen_tokens_.insert(token).second)
      return fail(Errc::kUnauthenticated, "mailgun token was already used (replay)");
    token_order_.emplace_back(now_ms, token);
  }
  auth.mailgun = std::move(*fields);
  return auth;
}

Expected<Event> EmailInbound::parse_authenticated(const net::HttpRequest& request,
                                                  const InboundAuth& auth) const {
  const auto content_type = request.header("content-type");
  if (auth.provider != "mailgun") {
    auto mail = parse(auth.provider, content_type, request.body);
    if (!mail) return Unexpected(mail.error());
    return to_event(*mail, request.received_at);
  }
  if (!auth.mailgun) return fail(Errc::kInternal, "mailgun request was not authenticated");
  auto fields = detail::mailgun_fields(content_type, request.body);
  if (!fields) return Unexpected(fields.error());
  // The signed values must be the only ones the mail parser sees: otherwise a body the two
  // parsers read differently could pair a valid signature with unsigned fields.
  const std::array<std::pair<std::string_view, const std::string*>, 3> signed_fields{
      {{"timestamp", &auth.mailgun->timestamp},
       {"token", &auth.mailgun->token},
       {"signature", &auth.mailgun->signature}}};
  for (const auto& [name, value] : signed_fields) {
    std::size_t seen = 0;
    bool same = true;
    for (const auto& part : *fields)
      if (part.name == name) {
        ++seen;
        same = same && part.value == *value;
      }
    if (seen != 1 || !same)
      return fail(Errc::kUnauthenticated, "mailgun signature field '" + std::string(name) +
                                              "' differs between the scan and the full parse");
  }
  auto parsed = detail::parse_mailgun(*fields);
  if (!parsed) return Unexpected(parsed.error());
  auto mail = finish(std::move(*parsed), config_.reply);
  if (!mail) return Unexpected(mail.error());
  return to_event(*mail, request.received_at);
}

Expected<Event> EmailInbound::handle(const net::HttpRequest& request) {
  auto auth = authenticate(request);
  if (!auth) return Unexpected(auth.error());
  return parse_authenticated(request, *auth);
}

}  // namespace steward::email
