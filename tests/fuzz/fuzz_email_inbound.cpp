// Inbound mail: EmailInbound::parse() for Mailgun (urlencoded / multipart), Postmark (JSON) and
// SendGrid (multipart, parsed and raw RFC 5322 mode), EmailInbound::handle() behind each
// provider's authentication (Postmark Basic auth, SendGrid token and, for urlencoded bodies,
// Mailgun's in-body HMAC + replay cache made correct here; fuzzed credentials as sent), the
// reply-token verifier, and the GMime-backed helpers (header blocks, RFC 2047, address lists,
// Message-IDs, UTF-8 repair, quoted-reply stripping, loop protection).
//
// Input: "<Content-Type>\n<body…>".
//
// Invariants: a parsed mail has a lower-cased sender; its text fields are valid UTF-8; To/Cc are
// lower-cased and deduplicated; a conversation_id comes only from a verified token;
// handle() with correct credentials agrees with parse(); make_valid_utf8() returns valid UTF-8;
// a reply token made for an id verifies to that id and fails with any other secret.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "bot/core/clock.hpp"
#include "bot/core/json.hpp"
#include "bot/core/mailbox.hpp"
#include "bot/core/printable.hpp"
#include "connectors/common/crypto.hpp"
#include "connectors/email/gmime_init.hpp"
#include "connectors/email/inbound.hpp"
#include "connectors/email/inbound_providers.hpp"
#include "connectors/email/message.hpp"
#include "connectors/email/reply_token.hpp"
#include "tests/fuzz/fuzz_util.hpp"
#include "tests/support/manual_clock.hpp"

namespace {

using namespace steward;

constexpr std::int64_t kNow = 1763760600;  // 2025-11-21T21:30:00Z, near the fixtures' dates
constexpr std::string_view kPostmarkUser = "postmark";
constexpr std::string_view kPostmarkPassword = "fuzz-postmark-password";
constexpr std::string_view kSendgridToken = "fuzz-sendgrid-token";

email::InboundConfig make_config() {
  email::InboundConfig c;
  c.mailgun.signing_key = Secret("fuzz-mailgun-signing-key");
  c.postmark.username = std::string(kPostmarkUser);
  c.postmark.password = Secret(std::string(kPostmarkPassword));
  c.sendgrid.token = Secret(std::string(kSendgridToken));
  c.max_age = std::chrono::seconds(300);
  c.reply.domain = "in.acme.example";
  c.reply.secret = Secret("reply-test-secret");
  return c;
}

/// Strict UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

bool has_upper_ascii(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

void check_mail(const email::InboundEmail& mail, const email::InboundConfig& config) {
  // A sender that is not an address keeps the mail, marked: never attacker-formatted text.
  fuzz::require(mail.from.empty() != mail.invalid_sender.empty(),
                "sender neither valid nor marked");
  fuzz::require(mail.from.empty() || is_ascii_email_address(mail.from), "sender not an address");
  fuzz::require(!has_upper_ascii(mail.from), "sender not lower-cased");
  for (const auto* s : {&mail.invalid_sender, &mail.from_name, &mail.subject})
    fuzz::require(steward::single_line(*s) == *s, "control character in a one-line field");
  for (const auto* s : {&mail.from, &mail.from_name, &mail.subject, &mail.text, &mail.message_id,
                        &mail.in_reply_to})
    fuzz::require(valid_utf8(*s), "mail field is not valid UTF-8");
  for (const auto& r : mail.references) fuzz::require(valid_utf8(r), "reference not UTF-8");
  for (const auto* list : {&mail.to, &mail.cc}) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      fuzz::require(!has_upper_ascii((*list)[i]), "recipient not lower-cased");
      fuzz::require(is_ascii_email_address((*list)[i]), "recipient not an address");
      fuzz::require(std::find(list->begin() + static_cast<std::ptrdiff_t>(i) + 1, list->end(),
                              (*list)[i]) == list->end(),
                    "recipient listed twice");
    }
  }
  if (mail.conversation_id) {
    auto token = email::make_reply_token(*mail.conversation_id, mail.from, config.reply.secret);
    auto back = email::verify_reply_token(token, mail.from, config.reply.secret);
    fuzz::require(back && *back == *mail.conversation_id, "conversation_id without valid token");
  }
  fuzz::require(mail.attachments >= 0, "negative attachment count");
  auto ev = email::to_event(mail, from_unix_ms(kNow * 1000));
  fuzz::require(ev.kind == "email.received" && !ev.dedupe_key.empty(), "bad email event");
  fuzz::require_storable(ev.payload);
}

net::HttpRequest request(std::string provider, std::string_view content_type,
                         std::string_view body) {
  net::HttpRequest r;
  r.method = "POST";
  r.path = r.target = "/hooks/email/" + provider;
  r.params["provider"] = std::move(provider);
  r.headers["content-type"] = std::string(content_type);
  r.body = std::string(body);
  r.received_at = from_unix_ms(kNow * 1000);
  return r;
}

void reply_tokens(std::string_view text, const email::InboundConfig& config) {
  // The text itself as a token, and as an address list holding tokens.
  const std::string_view candidate = text.substr(0, 256);
  constexpr std::string_view kSender = "fuzz@example.com";
  auto verified = email::verify_reply_token(candidate, kSender, config.reply.secret);
  if (verified) {
    // Only the MAC's case may differ from the token we would make.
    std::string lowered(candidate);
    for (auto i = verified->size(); i < lowered.size(); ++i)
      if (lowered[i] >= 'A' && lowered[i] <= 'Z') lowered[i] = static_cast<char>(lowered[i] + 32);
    fuzz::require(email::make_reply_token(*verified, kSender, config.reply.secret) == lowered,
                  "verified a token we would not make");
  }
  std::vector<std::string> addresses;
  std::string_view rest = text.substr(0, 2048);
  while (!rest.empty() && addresses.size() < 16) addresses.emplace_back(fuzz::take_line(rest));
  (void)email::find_reply_tokens(addresses, config.reply);

  // Round trip: an id made of the allowed characters (as compose_email accepts: 1-128).
  std::string id;
  for (char c : text.substr(0, 128))
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
        c == '-')
      id += c;
  if (!id.empty()) {
    const std::string token = email::make_reply_token(id, kSender, config.reply.secret);
    auto back = email::verify_reply_token(token, kSender, config.reply.secret);
    fuzz::require(back && *back == id, "reply token for a valid id does not verify");
    auto other = email::verify_reply_token(token, kSender, Secret("another-secret"));
    fuzz::require(!other, "reply token verified with another secret");
    auto elsewhere = email::verify_reply_token(token, "other@example.com", config.reply.secret);
    fuzz::require(!elsewhere, "reply token verified for another sender");
    const std::string address = email::reply_address(id, kSender, config.reply);
    auto found = email::find_reply_tokens({address}, config.reply);
    fuzz::require(found.size() == 1 && found[0] == token,
                  "find_reply_tokens misses our own address");
  }
}

void helpers(std::string_view text) {
  namespace d = email::detail;
  const std::string_view head = text.substr(0, 4096);
  const auto headers = d::parse_header_block(head);
  for (const auto& [name, value] : headers) (void)d::find_header(headers, name);
  (void)d::decode_header_text(head);
  const auto addresses = d::parse_addresses(head);
  (void)d::parse_message_ids(head);
  const std::string fixed = d::make_valid_utf8(head);
  fuzz::require(valid_utf8(fixed), "make_valid_utf8 returned invalid UTF-8");
  if (valid_utf8(head) && head.find('\0') == std::string_view::npos)
    fuzz::require(fixed == head, "make_valid_utf8 changed valid text");
  (void)email::strip_quoted_reply(head);
  const std::string from = addresses.empty() ? std::string() : addresses.front().addr;
  (void)email::auto_reply_reason(headers, from, from);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  email::ensure_gmime();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const email::InboundConfig kConfig = make_config();
  static const ManualClock kClock(from_unix_ms(kNow * 1000));
  static email::EmailInbound inbound(make_config(), kClock);

  std::string_view body = fuzz::as_text(data, size);
  const std::string_view content_type = fuzz::take_line(body);
  (void)email::detail::media_type(content_type);

  // parse() for each provider (the ones whose media type does not match return at once); for a
  // body that parses, handle() behind the provider's authentication must accept it and give
  // the same event. handle() re-parses, so it only runs for bodies that parse (speed).
  for (const char* provider : {"mailgun", "postmark", "sendgrid"}) {
    auto parsed = inbound.parse(provider, content_type, body);
    if (!parsed) continue;
    fuzz::require(parsed->provider == provider, "provider name not set");
    check_mail(*parsed, kConfig);
    net::HttpRequest req = request(provider, content_type, body);
    if (std::string_view(provider) == "mailgun") {
      auto ev = inbound.handle(req);  // the HMAC travels in the body: checked as sent
      if (ev) fuzz::require(ev->source == "email", "bad mailgun event");
      continue;
    }
    if (std::string_view(provider) == "postmark") {
      req.headers["authorization"] =
          "Basic " + connectors::base64_encode(std::string(kPostmarkUser) + ":" +
                                               std::string(kPostmarkPassword));
    } else {
      req.query = "token=" + std::string(kSendgridToken);
      req.target += "?" + req.query;
    }
    auto ev = inbound.handle(req);
    fuzz::require(ev.has_value(), "handle() with correct credentials refused a parsable body");
    auto expected = email::to_event(*parsed, req.received_at);
    fuzz::require(
        ev->dedupe_key == expected.dedupe_key && fuzz::same_json(ev->payload, expected.payload),
        "handle() and parse() give different events");
  }

  // Mailgun signs inside the body: for an urlencoded body, put a correct timestamp, token and
  // signature in front, so the replay window, the replay cache and everything after
  // authentication are reached. Each signature field must occur exactly once: a body that
  // already carries one of them must be refused as unauthenticated. A fresh EmailInbound per
  // input keeps runs independent; the second delivery of the same token must be refused as a
  // replay.
  if (email::detail::media_type(content_type) == "application/x-www-form-urlencoded") {
    const std::string timestamp = std::to_string(kNow - 10);
    const std::string token = connectors::to_hex(connectors::sha256(body)).substr(0, 50);
    const std::string signature = connectors::to_hex(
        connectors::hmac_sha256(kConfig.mailgun.signing_key.reveal(), timestamp + token));
    const std::string signed_body = "timestamp=" + timestamp + "&token=" + token +
                                    "&signature=" + signature + "&" + std::string(body);
    email::EmailInbound fresh(make_config(), kClock);
    auto parsed = fresh.parse("mailgun", content_type, signed_body);
    net::HttpRequest req = request("mailgun", content_type, signed_body);
    auto first = fresh.handle(req);
    bool carries_signature_field = false;
    if (auto own = email::detail::mailgun_fields(content_type, body); own)
      for (const auto& f : *own)
        carries_signature_field = carries_signature_field || f.name == "timestamp" ||
                                  f.name == "token" || f.name == "signature";
    if (carries_signature_field)
      fuzz::require(!first, "mailgun delivery with a repeated signature field accepted");
    else
      fuzz::require(first.has_value() == parsed.has_value(),
                    "signed mailgun delivery: handle() disagrees with parse()");
    if (first) {
      auto again = fresh.handle(req);
      fuzz::require(!again && again.error().code == Errc::kUnauthenticated,
                    "mailgun replay accepted");
    }
  }

  // Authentication with fuzzed credentials: the first body line as Authorization / token.
  std::string_view rest = body;
  const std::string_view credential = fuzz::take_line(rest);
  {
    net::HttpRequest req = request("postmark", "application/json", "{}");
    req.headers["authorization"] = std::string(credential);
    auto ev = inbound.handle(req);
    if (!ev)
      fuzz::require(
          ev.error().code == Errc::kUnauthenticated || ev.error().code == Errc::kInvalidInput,
          "postmark auth failure of another kind");
    req = request("sendgrid", "multipart/form-data; boundary=xYzZY", "");
    req.query = std::string(credential);
    auto sg = inbound.handle(req);
    if (!sg) fuzz::require(sg.error().code != Errc::kInternal, "sendgrid auth failure is internal");
  }

  reply_tokens(body, kConfig);
  helpers(body);
  return 0;
}
