#include "connectors/email/inbound_providers.hpp"

#include <gmime/gmime.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cstring>
#include <memory>

#include "bot/core/json.hpp"
#include "bot/core/printable.hpp"
#include "connectors/common/form.hpp"
#include "connectors/email/form_scan.hpp"
#include "connectors/email/gmime_init.hpp"
#include "connectors/email/gmime_util.hpp"

namespace steward::email::detail {

namespace {

// ---- text helpers ---------------------------------------------------------------------------

/// Provider-stripped text: line endings to "\n", surrounding blank space removed.
std::string tidy_text(std::string_view text) { return std::string(trim(to_lf(text))); }

std::optional<int> parse_count(std::string_view text) {
  text = trim(text);
  int n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || ptr != text.data() + text.size() || n < 0) return std::nullopt;
  return n;
}

void append_addresses(std::vector<std::string>& out, std::string_view text) {
  for (auto& a : parse_addresses(text)) out.push_back(std::move(a.addr));
}

/// From: the first mailbox of `text` into mail.from / mail.from_name.
void take_from(InboundEmail& mail, std::string_view text) {
  auto list = parse_addresses(text);
  if (list.empty()) return;
  mail.from = std::move(list.front().addr);
  if (mail.from_name.empty()) mail.from_name = std::move(list.front().name);
}

/// The addr-spec of an envelope sender ("<>", "<a@b>", "a@b"); "" for the null sender.
std::string envelope_address(std::string_view text) {
  text = trim(text);
  if (text.empty() || text == "<>") return {};
  auto list = parse_addresses(text);
  if (!list.empty()) return list.front().addr;
  if (text.front() == '<' && text.back() == '>') text = trim(text.substr(1, text.size() - 2));
  return std::string(text);
}

/// Message-ID / In-Reply-To / References from a header list.
void take_thread_ids(InboundEmail& mail, const Headers& headers) {
  if (const auto* v = find_header(headers, "Message-ID")) {
    auto ids = parse_message_ids(*v);
    if (!ids.empty()) mail.message_id = ids.front();
  }
  if (const auto* v = find_header(headers, "In-Reply-To")) {
    auto ids = parse_message_ids(*v);
    if (!ids.empty()) mail.in_reply_to = ids.front();
  }
  if (const auto* v = find_header(headers, "References")) mail.references = parse_message_ids(*v);
}

/// Files among form fields named "<prefix><n>".
int count_files(const FormParts& parts, std::string_view prefix) {
  int n = 0;
  for (const auto& p : parts)
    if (!p.filename.empty() && p.name.size() > prefix.size() &&
        p.name.compare(0, prefix.size(), prefix) == 0)
      ++n;
  return n;
}

/// Bytes in `charset` → UTF-8. A charset iconv does not know, or bytes that are not valid in
/// it, fall back to U+FFFD replacement: mail is never dropped over its encoding.
std::string to_utf8(std::string_view value, std::string_view charset, std::string_view field) {
  std::string cs = lower(trim(charset));
  if (cs.empty() || cs == "utf-8" || cs == "utf8" || cs == "us-ascii" || cs == "ascii")
    return make_valid_utf8(value);
  const char* iconv_name = g_mime_charset_iconv_name(cs.c_str());
  gsize written = 0;
  GError* err = nullptr;
  gchar* out = g_convert(value.data(), static_cast<gssize>(value.size()), "UTF-8",
                         iconv_name ? iconv_name : cs.c_str(), nullptr, &written, &err);
  if (!out) {
    if (err) g_error_free(err);
    spdlog::warn(
        "email: sendgrid field '{}' could not be converted from charset '{}'; invalid "
        "bytes replaced",
        printable(field, 32), printable(cs, 32));
    return make_valid_utf8(value);
  }
  std::string converted(out, written);
  g_free(out);
  return make_valid_utf8(converted);
}

/// Headers, addresses, text and attachments of a whole MIME message (SendGrid "Send Raw").
struct RawParts {
  std::string text;
  bool have_text = false;
  int attachments = 0;
};

void visit_raw_part(GMimeObject* /*parent*/, GMimeObject* part, gpointer user_data) {
  auto* out = static_cast<RawParts*>(user_data);
  if (!GMIME_IS_PART(part)) return;
  if (g_mime_part_is_attachment(GMIME_PART(part))) {
    ++out->attachments;
    return;
  }
  if (out->have_text || !GMIME_IS_TEXT_PART(part)) return;
  GMimeContentType* type = g_mime_object_get_content_type(part);
  if (type && !g_mime_content_type_is_type(type, "text", "plain")) return;
  out->text = take(g_mime_text_part_get_text(GMIME_TEXT_PART(part)));
  out->have_text = true;
}

[[nodiscard]] Expected<ProviderMail> parse_raw_message(std::string_view raw, ProviderMail out) {
  ensure_gmime();
  ParserOver p(raw);
  ParserOptions options(g_mime_parser_options_new());
  ParseIssues issues;
  g_mime_parser_options_set_warning_callback(options.get(), on_parser_warning, &issues);
  GPtr<GMimeMessage> message(g_mime_parser_construct_message(p.parser.get(), options.get()));
  if (!message || issues.critical)
    return fail(Errc::kInvalidInput, "sendgrid email field is not a MIME message");
  GMimeHeaderList* list = g_mime_object_get_header_list(GMIME_OBJECT(message.get()));
  int count = list ? g_mime_header_list_get_count(list) : 0;
  for (int i = 0; i < count; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
    out.headers.emplace_back(chars_or_empty(g_mime_header_get_name(h)),
                             std::string(trim(take(g_mime_utils_header_unfold(
                                 chars_or_empty(g_mime_header_get_raw_value(h)).c_str())))));
  }
  if (out.headers.empty()) return fail(Errc::kInvalidInput, "sendgrid email field has no headers");
  RawParts parts;
  g_mime_message_foreach(message.get(), visit_raw_part, &parts);
  out.mail.text = strip_quoted_reply(parts.text);
  out.mail.attachments = parts.attachments;
  return out;
}

}  // namespace
// ---- Mailgun ----------------------------------------------------------------------------

[[nodiscard]] Expected<FormParts> mailgun_fields(std::string_view content_type,
                                                 std::string_view body) {
  auto media = media_type(content_type);
  if (media == "multipart/form-data") return parse_multipart_form(content_type, body);
  if (media != "application/x-www-form-urlencoded")
    return fail(Errc::kUnsupportedMedia,
                "mailgun posts application/x-www-form-urlencoded or multipart/form-data, got '" +
                    make_valid_utf8(media.substr(0, 64)) + "'");
  auto fields = scan_urlencoded_fields(body);
  if (!fields) return Unexpected(fields.error());
  auto form = connectors::parse_form(body);
  if (!form)
    return fail(Errc::kInvalidInput, "mailgun form body is malformed: " + form.error().message);
  FormParts parts;
  parts.reserve(form->size());
  for (auto& [k, v] : *form) parts.push_back(FormPart{std::move(k), {}, std::move(v)});
  return parts;
}

[[nodiscard]] Expected<ProviderMail> parse_mailgun(const FormParts& f) {
  ProviderMail out;
  InboundEmail& m = out.mail;
  m.provider = "mailgun";
  if (const auto* raw = find_field(f, "message-headers")) {
    auto parsed = json::parse(*raw);
    if (!parsed || !parsed->is_array())
      return fail(Errc::kInvalidInput, "mailgun message-headers is not a JSON array");
    for (const auto& entry : parsed->get_array()) {
      const auto* pair = entry.if_array();
      if (!pair || pair->size() != 2 || !(*pair)[0].is_string() || !(*pair)[1].is_string())
        return fail(Errc::kInvalidInput,
                    "mailgun message-headers entry is not a [name, value] pair");
      out.headers.emplace_back(std::string((*pair)[0].get_string()),
                               std::string((*pair)[1].get_string()));
    }
  } else {
    // Without message-headers the MIME headers are the capitalised form fields.
    for (const auto& p : f)
      if (p.filename.empty() && !p.name.empty() && p.name[0] >= 'A' && p.name[0] <= 'Z')
        out.headers.emplace_back(p.name, p.value);
  }
  auto field_or_header = [&](std::string_view field, std::string_view header) -> std::string {
    if (const auto* v = find_field(f, field)) return *v;
    if (const auto* v = find_header(out.headers, header)) return *v;
    return {};
  };

  take_from(m, field_or_header("from", "From"));
  if (const auto* sender = find_field(f, "sender")) {
    out.envelope_known = true;
    m.envelope_from = envelope_address(*sender);
  }
  if (const auto* v = find_header(out.headers, "To")) append_addresses(m.to, *v);
  if (const auto* v = find_field(f, "recipient")) append_addresses(m.to, *v);
  if (const auto* v = find_header(out.headers, "Cc")) append_addresses(m.cc, *v);
  m.subject = decode_header_text(field_or_header("subject", "Subject"));

  const auto* stripped = find_field(f, "stripped-text");
  if (stripped && !trim(*stripped).empty()) {
    m.text = tidy_text(*stripped);
  } else if (const auto* plain = find_field(f, "body-plain")) {
    m.text = strip_quoted_reply(*plain);
  }
  take_thread_ids(m, out.headers);

  const auto* count = find_field(f, "attachment-count");
  auto n = count ? parse_count(*count) : std::nullopt;
  m.attachments = n ? *n : count_files(f, "attachment-");
  return out;
}

// ---- Postmark ---------------------------------------------------------------------------

namespace {

/// `obj[key]` as an array (nullptr when absent); kInvalidInput when it has another type.
[[nodiscard]] Expected<const boost::json::array*> optional_array(const boost::json::object& obj,
                                                                 std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->value().is_null())
    return static_cast<const boost::json::array*>(nullptr);
  if (!it->value().is_array())
    return fail(Errc::kInvalidInput, "postmark field '" + std::string(key) + "' is not an array");
  return &it->value().get_array();
}

/// ToFull / CcFull entries ({Email, Name, MailboxHash}); falls back to the plain header text.
[[nodiscard]] Expected<bool> postmark_recipients(const boost::json::object& obj,
                                                 std::string_view full_key,
                                                 std::string_view plain_key,
                                                 std::vector<std::string>& out,
                                                 std::vector<std::string>& hashes) {
  auto full = optional_array(obj, full_key);
  if (!full) return Unexpected(full.error());
  if (*full && !(*full)->empty()) {
    for (const auto& entry : **full) {
      const auto* e = entry.if_object();
      if (!e)
        return fail(Errc::kInvalidInput,
                    "postmark field '" + std::string(full_key) + "' holds a non-object");
      auto email = json::string_or(*e, "Email");
      if (!trim(email).empty()) out.push_back(std::string(trim(email)));
      auto hash = json::string_or(*e, "MailboxHash");
      if (!hash.empty()) hashes.push_back(std::move(hash));
    }
    return true;
  }
  append_addresses(out, json::string_or(obj, plain_key));
  return true;
}

}  // namespace

[[nodiscard]] Expected<ProviderMail> parse_postmark(std::string_view body) {
  auto parsed = json::parse_object(body);
  if (!parsed)
    return fail(Errc::kInvalidInput, "postmark body is not valid JSON: " + parsed.error().message);
  const boost::json::object& obj = *parsed;
  ProviderMail out;
  InboundEmail& m = out.mail;
  m.provider = "postmark";

  auto headers = optional_array(obj, "Headers");
  if (!headers) return Unexpected(headers.error());
  if (*headers) {
    for (const auto& entry : **headers) {
      const auto* h = entry.if_object();
      if (!h) return fail(Errc::kInvalidInput, "postmark field 'Headers' holds a non-object");
      auto name = json::string_or(*h, "Name");
      if (!name.empty()) out.headers.emplace_back(std::move(name), json::string_or(*h, "Value"));
    }
  }

  if (const auto* full = json::get_object(obj, "FromFull")) {
    m.from = std::string(trim(json::string_or(*full, "Email")));
    m.from_name = decode_header_text(json::string_or(*full, "Name"));
  }
  if (m.from.empty()) take_from(m, json::string_or(obj, "From"));
  if (m.from_name.empty()) m.from_name = decode_header_text(json::string_or(obj, "FromName"));
  if (const auto* rp = find_header(out.headers, "Return-Path")) {
    out.envelope_known = true;
    m.envelope_from = envelope_address(*rp);
  }

  auto to = postmark_recipients(obj, "ToFull", "To", m.to, out.mailbox_hashes);
  if (!to) return Unexpected(to.error());
  append_addresses(m.to, json::string_or(obj, "OriginalRecipient"));
  auto cc = postmark_recipients(obj, "CcFull", "Cc", m.cc, out.mailbox_hashes);
  if (!cc) return Unexpected(cc.error());
  auto hash = json::string_or(obj, "MailboxHash");
  if (!hash.empty()) out.mailbox_hashes.push_back(std::move(hash));

  m.subject = decode_header_text(json::string_or(obj, "Subject"));
  auto stripped = json::string_or(obj, "StrippedTextReply");
  m.text = trim(stripped).empty() ? strip_quoted_reply(json::string_or(obj, "TextBody"))
                                  : tidy_text(stripped);
  // "MessageID" is Postmark's own id; the RFC Message-ID is in Headers.
  take_thread_ids(m, out.headers);

  auto attachments = optional_array(obj, "Attachments");
  if (!attachments) return Unexpected(attachments.error());
  m.attachments = *attachments ? static_cast<int>((*attachments)->size()) : 0;
  return out;
}

// ---- SendGrid ---------------------------------------------------------------------------

[[nodiscard]] Expected<ProviderMail> parse_sendgrid(const FormParts& f) {
  ProviderMail out;
  InboundEmail& m = out.mail;
  m.provider = "sendgrid";

  boost::json::object charsets;
  if (const auto* raw = find_field(f, "charsets"); raw && !trim(*raw).empty()) {
    auto parsed = json::parse_object(*raw);
    if (!parsed) return fail(Errc::kInvalidInput, "sendgrid charsets is not a JSON object");
    charsets = std::move(*parsed);
  }
  auto field = [&](std::string_view name) -> std::optional<std::string> {
    const auto* v = find_field(f, name);
    if (!v) return std::nullopt;
    return to_utf8(*v, json::string_or(charsets, name), name);
  };

  std::vector<std::string> envelope_to;
  if (const auto* raw = find_field(f, "envelope"); raw && !trim(*raw).empty()) {
    auto env = json::parse_object(*raw);
    if (!env) return fail(Errc::kInvalidInput, "sendgrid envelope is not a JSON object");
    auto it = env->find("to");
    if (it != env->end()) {
      if (it->value().is_string()) {
        append_addresses(envelope_to, it->value().get_string());
      } else if (it->value().is_array()) {
        for (const auto& a : it->value().get_array())
          if (a.is_string()) append_addresses(envelope_to, a.get_string());
      }
    }
    auto from = env->find("from");
    if (from != env->end()) {
      out.envelope_known = true;
      if (from->value().is_string()) m.envelope_from = envelope_address(from->value().get_string());
    }
  }

  if (const auto* raw = find_field(f, "email")) {
    // "Send Raw": the whole message; text, headers and attachments come from the MIME.
    auto parsed = parse_raw_message(*raw, std::move(out));
    if (!parsed) return parsed;
    out = std::move(*parsed);
  } else {
    if (auto headers = field("headers")) out.headers = parse_header_block(*headers);
    if (auto text = field("text")) m.text = strip_quoted_reply(*text);
    const auto* count = find_field(f, "attachments");
    auto n = count ? parse_count(*count) : std::nullopt;
    m.attachments = n ? *n : count_files(f, "attachment");
  }
  InboundEmail& mail = out.mail;

  auto field_or_header = [&](std::string_view name, std::string_view header) -> std::string {
    if (auto v = field(name)) return *v;
    if (const auto* h = find_header(out.headers, header)) return *h;
    return {};
  };
  take_from(mail, field_or_header("from", "From"));
  append_addresses(mail.to, field_or_header("to", "To"));
  for (auto& a : envelope_to) mail.to.push_back(std::move(a));
  append_addresses(mail.cc, field_or_header("cc", "Cc"));
  // The header keeps the sender's RFC 2047 words; the `subject` field is SendGrid's decoding.
  if (const auto* h = find_header(out.headers, "Subject"))
    mail.subject = decode_header_text(*h);
  else if (auto s = field("subject"))
    mail.subject = decode_header_text(*s);
  take_thread_ids(mail, out.headers);
  return out;
}

}  // namespace steward::email::detail
