#include "connectors/email/message.hpp"

#include <gmime/gmime.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <cstdio>
#include <ctime>
#include <memory>
#include <utility>

#include "bot/core/mailbox.hpp"
#include "bot/core/text.hpp"
#include "connectors/common/crypto.hpp"
#include "connectors/email/gmime_init.hpp"
#include "connectors/email/gmime_util.hpp"
#include "connectors/email/html_body.hpp"

namespace steward::email {

using detail::GChars;
using detail::GPtr;

namespace {

namespace bj = boost::json;

constexpr char kHex[] = "0123456789ABCDEF";
constexpr std::size_t kMaxConversationId = 128;

// ---- GObject ownership (the rest in gmime_util.hpp) ---------------------------------------

struct FormatOptionsFree {
  void operator()(GMimeFormatOptions* p) const { g_mime_format_options_free(p); }
};

// ---- text helpers --------------------------------------------------------------------------

bool is_ascii_printable(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7E) return false;
  }
  return true;
}

bool has_crlf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

bool has_control(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7F) return true;
  }
  return false;
}

// Splits "a@x.com, \"B, Inc\" <b@y.com>" on commas outside quotes and angle brackets.
std::vector<std::string_view> split_address_list(std::string_view s) {
  std::vector<std::string_view> out;
  bool quoted = false;
  int angle = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == '<') {
      ++angle;
    } else if (c == '>') {
      --angle;
    } else if (c == ',' && angle == 0) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

// ---- field reading -------------------------------------------------------------------------

Unexpected permanent(std::string message) {
  return fail(Errc::kPermanent, "email.send: " + std::move(message));
}

// The string field `key`: nullopt when absent or null; kPermanent when not a string or when a
// header value carries CR/LF or other control characters.
[[nodiscard]] Expected<std::optional<std::string>> string_field(const bj::object& fields,
                                                                std::string_view key,
                                                                bool header_value) {
  auto it = fields.find(key);
  if (it == fields.end() || it->value().is_null()) return std::optional<std::string>{};
  if (!it->value().is_string())
    return permanent("field '" + std::string(key) + "' must be a string");
  std::string v(it->value().get_string());
  if (header_value && has_crlf(v))
    return permanent("field '" + std::string(key) + "' contains CR or LF (header injection)");
  if (header_value && has_control(v))
    return permanent("field '" + std::string(key) + "' contains control characters");
  return std::optional<std::string>(std::move(v));
}

// A string field that may also be an array of strings (cc, references). Every element is a
// header value, so CR/LF is refused here.
[[nodiscard]] Expected<std::vector<std::string>> string_list_field(const bj::object& fields,
                                                                   std::string_view key) {
  std::vector<std::string> out;
  auto it = fields.find(key);
  if (it == fields.end() || it->value().is_null()) return out;
  const auto& v = it->value();
  const std::string k(key);
  if (v.is_string()) {
    out.emplace_back(v.get_string());
  } else if (v.is_array()) {
    for (const auto& e : v.get_array()) {
      if (!e.is_string()) return permanent("field '" + k + "' must be a string or strings");
      out.emplace_back(e.get_string());
    }
  } else {
    return permanent("field '" + k + "' must be a string or an array of strings");
  }
  for (const auto& s : out) {
    if (has_crlf(s)) return permanent("field '" + k + "' contains CR or LF (header injection)");
    if (has_control(s)) return permanent("field '" + k + "' contains control characters");
  }
  return out;
}

[[nodiscard]] Expected<Mailbox> field_mailbox(std::string_view key, std::string_view text) {
  auto m = parse_mailbox(text);
  if (!m) return permanent("field '" + std::string(key) + "': " + m.error().message);
  return m;
}

// "<id>" for a Message-ID given with or without angle brackets; nullopt when not one.
std::optional<std::string> normalise_message_id(std::string_view raw) {
  auto id = trim(raw);
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  auto at = id.find('@');
  bool ok = !id.empty() && id.size() <= 900 && is_ascii_printable(id) &&
            id.find_first_of(" <>\"\\,;:()[]") == std::string_view::npos &&
            at != std::string_view::npos && at > 0 && at + 1 < id.size() &&
            id.find('@', at + 1) == std::string_view::npos;
  if (!ok) return std::nullopt;
  return "<" + std::string(id) + ">";
}

[[nodiscard]] Expected<std::string> message_id_field(std::string_view key, std::string_view raw) {
  auto id = normalise_message_id(raw);
  if (!id) return permanent("field '" + std::string(key) + "' is not a Message-ID");
  return std::move(*id);
}

bool is_conversation_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxConversationId) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// ---- GMime building ------------------------------------------------------------------------

GPtr<InternetAddress> gmime_mailbox(const Mailbox& m) {
  GPtr<InternetAddress> ia(internet_address_mailbox_new(m.display.c_str(), m.address.c_str()));
  // Without a charset GMime picks the "best" one (e.g. ISO-8859-1); mail is UTF-8 throughout.
  internet_address_set_charset(ia.get(), "utf-8");
  return ia;
}

void add_mailbox(GMimeMessage* msg, GMimeAddressType type, const Mailbox& m) {
  auto ia = gmime_mailbox(m);
  internet_address_list_add(g_mime_message_get_addresses(msg, type), ia.get());
}

// A text/<subtype> part holding `text` (LF line breaks) as UTF-8 quoted-printable.
GPtr<GMimePart> text_part(const char* subtype, const std::string& text) {
  GPtr<GMimePart> part(g_mime_part_new_with_type("text", subtype));
  g_mime_object_set_content_type_parameter(GMIME_OBJECT(part.get()), "charset", "UTF-8");
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(text.data(), text.size()));
  GPtr<GMimeDataWrapper> content(
      g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(part.get(), content.get());
  g_mime_part_set_content_encoding(part.get(), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  return part;
}

// Folded RFC 2047 "B" words for `text` (at most 39 bytes, i.e. 64 characters, per word and
// never splitting a UTF-8 sequence), as a raw header value: " w1\n w2\n".
std::string raw_encoded_words(std::string_view text) {
  constexpr std::size_t kWordBytes = 39;
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = i;
    while (end < text.size()) {
      auto lead = static_cast<unsigned char>(text[end]);
      std::size_t len = lead < 0x80           ? 1
                        : (lead >> 5) == 0x6  ? 2
                        : (lead >> 4) == 0xE  ? 3
                        : (lead >> 3) == 0x1E ? 4
                                              : 1;
      len = std::min(len, text.size() - end);
      if (end + len - i > kWordBytes) break;
      end += len;
    }
    if (end == i) end = i + 1;
    out += " =?UTF-8?B?" + connectors::base64_encode(text.substr(i, end - i)) + "?=\n";
    i = end;
  }
  return out;
}

// GMime passes text that already looks like an encoded-word through unencoded, so a reader
// would decode it; such a subject is written as encoded-words in full.
void set_subject(GMimeMessage* msg, const std::string& subject) {
  g_mime_message_set_subject(msg, subject.c_str(), "utf-8");
  if (subject.find("=?") == std::string::npos) return;
  GMimeHeader* header =
      g_mime_header_list_get_header(g_mime_object_get_header_list(GMIME_OBJECT(msg)), "Subject");
  if (header) g_mime_header_set_raw_value(header, raw_encoded_words(subject).c_str());
}

void set_header(GMimeMessage* msg, const char* name, const std::string& value) {
  g_mime_object_set_header(GMIME_OBJECT(msg), name, value.c_str(), "utf-8");
}

}  // namespace

[[nodiscard]] Expected<Mailbox> parse_mailbox(std::string_view text) {
  if (has_crlf(text)) return fail(Errc::kInvalidInput, "contains CR or LF (header injection)");
  if (has_control(text)) return fail(Errc::kInvalidInput, "contains control characters");
  auto t = trim(text);
  Mailbox m;
  if (!t.empty() && t.back() == '>') {
    auto lt = t.rfind('<');
    if (lt == std::string_view::npos) return fail(Errc::kInvalidInput, "unbalanced '<' '>'");
    m.address = std::string(trim(t.substr(lt + 1, t.size() - lt - 2)));
    auto display = trim(t.substr(0, lt));
    if (display.size() >= 2 && display.front() == '"' && display.back() == '"') {
      display = display.substr(1, display.size() - 2);
      for (std::size_t i = 0; i < display.size(); ++i) {
        if (display[i] == '\\' && i + 1 < display.size()) ++i;
        m.display += display[i];
      }
    } else {
      m.display = std::string(display);
    }
  } else {
    m.address = std::string(t);
  }
  if (!is_ascii_email_address(m.address))
    return fail(Errc::kInvalidInput, "not a valid email address");
  return m;
}

std::string format_mailbox(const Mailbox& mailbox) {
  ensure_gmime();
  auto ia = gmime_mailbox(mailbox);
  GChars s(internet_address_to_string(ia.get(), nullptr, TRUE));
  return s ? std::string(s.get()) : mailbox.address;
}

std::string rfc5322_date(TimePoint t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t secs = static_cast<std::time_t>(to_unix_seconds(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday % 7],
                tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string safe_key(std::string_view key) {
  auto kept = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  };
  std::string out;
  for (std::size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    bool dot_ok = c == '.' && i > 0 && i + 1 < key.size() && kept(key[i - 1]) && kept(key[i + 1]);
    if (kept(c) || dot_ok) {
      out += c;
    } else {
      auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  if (out.size() > 128) {
    out.resize(96);
    out += '-';
    out += connectors::to_hex(connectors::sha256(key)).substr(0, 32);
  }
  return out;
}

[[nodiscard]] Expected<ComposedEmail> compose_email(const bj::object& fields,
                                                    const ComposeContext& ctx) {
  ensure_gmime();
  // Configuration first: these are our mistakes, not the action's.
  if (ctx.idempotency_key.empty()) return fail(Errc::kInternal, "email: empty idempotency key");
  auto from = parse_mailbox(ctx.from);
  if (!from)
    return fail(Errc::kInternal, "email: [email] from is not usable: " + from.error().message);
  std::string domain = ctx.message_id_domain;
  if (domain.empty()) domain = from->address.substr(from->address.find('@') + 1);
  if (!is_ascii_email_address("x@" + domain))
    return fail(Errc::kInternal, "email: message id domain is not a domain");

  // Header injection is checked on every header field before anything else is judged.
  auto to = string_field(fields, "to", true);
  if (!to) return Unexpected(to.error());
  auto subject = string_field(fields, "subject", true);
  if (!subject) return Unexpected(subject.error());
  auto reply_to = string_field(fields, "reply_to", true);
  if (!reply_to) return Unexpected(reply_to.error());
  auto in_reply_to = string_field(fields, "in_reply_to", true);
  if (!in_reply_to) return Unexpected(in_reply_to.error());
  auto explicit_id = string_field(fields, "message_id", true);
  if (!explicit_id) return Unexpected(explicit_id.error());
  auto conversation = string_field(fields, "conversation_id", true);
  if (!conversation) return Unexpected(conversation.error());
  auto references_raw = string_list_field(fields, "references");
  if (!references_raw) return Unexpected(references_raw.error());
  auto cc_raw = string_list_field(fields, "cc");
  if (!cc_raw) return Unexpected(cc_raw.error());
  auto text = string_field(fields, "text", false);
  if (!text) return Unexpected(text.error());
  auto html = string_field(fields, "html", false);
  if (!html) return Unexpected(html.error());

  if (!*to) return permanent("missing field 'to'");
  if (!*subject) return permanent("missing field 'subject'");
  if (!*text) return permanent("missing field 'text'");
  if (trim(**subject).empty()) return permanent("field 'subject' must not be empty");
  if (text->value().empty()) return permanent("field 'text' must not be empty");

  auto to_box = field_mailbox("to", **to);
  if (!to_box) return Unexpected(to_box.error());
  std::vector<Mailbox> cc;
  for (const auto& entry : *cc_raw) {
    // A string may list several addresses; an array element is one address each.
    for (auto part : split_address_list(entry)) {
      if (trim(part).empty()) continue;
      auto box = field_mailbox("cc", part);
      if (!box) return Unexpected(box.error());
      cc.push_back(std::move(*box));
    }
  }
  std::optional<Mailbox> reply_box;
  if (*reply_to) {
    auto box = field_mailbox("reply_to", **reply_to);
    if (!box) return Unexpected(box.error());
    reply_box = std::move(*box);
  }
  std::optional<std::string> parent;
  if (*in_reply_to) {
    auto id = message_id_field("in_reply_to", **in_reply_to);
    if (!id) return Unexpected(id.error());
    parent = std::move(*id);
  }
  std::vector<std::string> references;
  for (const auto& entry : *references_raw) {
    std::size_t start = 0;
    while (start < entry.size()) {
      auto b = entry.find_first_not_of(" \t", start);
      if (b == std::string::npos) break;
      auto e = entry.find_first_of(" \t", b);
      auto token = std::string_view(entry).substr(b, e == std::string::npos ? e : e - b);
      auto id = message_id_field("references", token);
      if (!id) return Unexpected(id.error());
      // The parent goes last (RFC 5322 §3.6.4); repeats add nothing.
      if (std::find(references.begin(), references.end(), *id) == references.end() &&
          (!parent || *id != *parent))
        references.push_back(std::move(*id));
      if (e == std::string::npos) break;
      start = e;
    }
  }
  if (parent) references.push_back(*parent);

  std::string message_id;
  if (*explicit_id) {
    auto id = message_id_field("message_id", **explicit_id);
    if (!id) return Unexpected(id.error());
    message_id = std::move(*id);
  } else {
    message_id = "<" + safe_key(ctx.idempotency_key) + "@" + domain + ">";
  }

  if (*conversation && !is_conversation_id(**conversation))
    return permanent("field 'conversation_id' must be 1-128 of [A-Za-z0-9_-]");
  if (*conversation && ctx.reply.enabled()) {
    std::string address = reply_address(**conversation, to_box->address, ctx.reply);
    if (!is_ascii_email_address(address))
      return fail(Errc::kInternal, "email: reply token domain or local part is not usable");
    reply_box = Mailbox{"", std::move(address)};
  }

  ComposedEmail out;
  out.message_id = message_id;
  out.recipients.push_back(to_box->address);
  for (const auto& c : cc) out.recipients.push_back(c.address);

  // X-Steward-Action carries the key itself when it is printable ASCII (it always is for keys
  // the outbox makes); otherwise its safe form, so the header stays one clean line.
  std::string action_key =
      is_ascii_printable(ctx.idempotency_key) && ctx.idempotency_key.size() <= 900
          ? ctx.idempotency_key
          : safe_key(ctx.idempotency_key);

  GPtr<GMimeMessage> msg(g_mime_message_new(TRUE));
  set_header(msg.get(), "Date", rfc5322_date(ctx.date));
  add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_FROM, *from);
  add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_TO, *to_box);
  for (const auto& c : cc) add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_CC, c);
  if (reply_box) add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_REPLY_TO, *reply_box);
  set_subject(msg.get(), subject->value());
  // GMime wants the id without the angle brackets and adds them itself.
  g_mime_message_set_message_id(msg.get(), message_id.substr(1, message_id.size() - 2).c_str());
  if (parent) set_header(msg.get(), "In-Reply-To", *parent);
  if (!references.empty()) {
    std::string joined;
    for (const auto& r : references) joined += (joined.empty() ? "" : " ") + r;
    set_header(msg.get(), "References", joined);
  }
  set_header(msg.get(), "Auto-Submitted", "auto-generated");
  set_header(msg.get(), "X-Steward-Action", action_key);
  if (*conversation) set_header(msg.get(), "X-Steward-Conversation", **conversation);

  // LF only: GMime's quoted-printable encoder treats LF as the line break (a CR would be
  // encoded as =0D) and the DOS output filter turns every LF into CRLF.
  const std::string plain = to_lf(**text);
  const std::string rich = *html ? to_lf(**html) : detail::text_to_html(plain);
  GPtr<GMimeMultipart> alternative(g_mime_multipart_new_with_subtype("alternative"));
  // Deterministic, so a retry renders the same bytes. "=_" never occurs in quoted-printable
  // output ('=' is always followed by two hex digits or a line break): no part can hold it.
  const std::string boundary =
      "=_steward_" + connectors::to_hex(connectors::sha256(ctx.idempotency_key)).substr(0, 24);
  g_mime_multipart_set_boundary(alternative.get(), boundary.c_str());
  auto plain_part = text_part("plain", plain);
  auto html_part = text_part("html", rich);
  g_mime_multipart_add(alternative.get(), GMIME_OBJECT(plain_part.get()));
  g_mime_multipart_add(alternative.get(), GMIME_OBJECT(html_part.get()));
  g_mime_message_set_mime_part(msg.get(), GMIME_OBJECT(alternative.get()));

  std::unique_ptr<GMimeFormatOptions, FormatOptionsFree> format(g_mime_format_options_new());
  g_mime_format_options_set_newline_format(format.get(), GMIME_NEWLINE_FORMAT_DOS);
  GChars rendered(g_mime_object_to_string(GMIME_OBJECT(msg.get()), format.get()));
  if (!rendered) return fail(Errc::kInternal, "email: GMime could not render the message");
  out.data = rendered.get();
  return out;
}

}  // namespace steward::email
