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
#include "connectors/email/gmime_init.hpp"

namespace steward::email::detail {

namespace {

// ---- GLib / GMime ownership ---------------------------------------------------------------

struct GObjectUnref {
  void operator()(gpointer p) const {
    if (p) g_object_unref(p);
  }
};
template <class T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

struct GFree {
  void operator()(gpointer p) const { g_free(p); }
};
using GChars = std::unique_ptr<char, GFree>;

struct ParserOptionsFree {
  void operator()(GMimeParserOptions* p) const {
    if (p) g_mime_parser_options_free(p);
  }
};
using ParserOptions = std::unique_ptr<GMimeParserOptions, ParserOptionsFree>;

std::string chars_or_empty(const char* s) { return s ? std::string(s) : std::string(); }

/// Takes ownership of a g_malloc'ed string.
std::string take(char* s) {
  GChars owned(s);
  return chars_or_empty(owned.get());
}

/// The bytes a memory stream holds.
std::string mem_stream_bytes(GMimeStream* stream) {
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
  if (!bytes || bytes->len == 0) return {};
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

/// A parser over a private copy of `data` (GMime streams read lazily; the copy outlives it).
struct ParserOver {
  explicit ParserOver(std::string_view data)
      : stream(g_mime_stream_mem_new_with_buffer(data.data(), data.size())),
        parser(g_mime_parser_new_with_stream(stream.get())) {}
  GPtr<GMimeStream> stream;
  GPtr<GMimeParser> parser;
};

/// Parser issues that make a form body unusable.
struct ParseIssues {
  bool truncated = false;
  bool no_boundary = false;
  bool critical = false;
};

void on_parser_warning(gint64 /*offset*/, GMimeParserWarning code, const gchar* /*item*/,
                       gpointer user_data) {
  auto* issues = static_cast<ParseIssues*>(user_data);
  switch (code) {
    case GMIME_WARN_TRUNCATED_MESSAGE: issues->truncated = true; break;
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: issues->no_boundary = true; break;
    case GMIME_CRIT_NESTING_OVERFLOW:
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
    case GMIME_CRIT_INVALID_HEADER_NAME: issues->critical = true; break;
    default: break;
  }
}

// ---- text helpers ---------------------------------------------------------------------------

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

char lower_char(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower_char(a[i]) != lower_char(b[i])) return false;
  return true;
}

/// Provider-stripped text: line endings to "\n", surrounding blank space removed.
std::string tidy_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out += text[i];
    }
  }
  return std::string(trim(out));
}

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
  std::string cs = lower_ascii(trim(charset));
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

Expected<ProviderMail> parse_raw_message(std::string_view raw, ProviderMail out) {
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

// ---- shared helpers -------------------------------------------------------------------------

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = lower_char(c);
  return out;
}

std::string media_type(std::string_view content_type) {
  return lower_ascii(trim(content_type.substr(0, content_type.find(';'))));
}

std::string make_valid_utf8(std::string_view text) {
  if (g_utf8_validate_len(text.data(), text.size(), nullptr)) return std::string(text);
  return take(g_utf8_make_valid(text.data(), static_cast<gssize>(text.size())));
}

namespace {

bool has_control_chars(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  return false;
}

/// The parameter `param` of a structured header value ("type; a=b; c=\"d\""), unquoted;
/// nullopt when absent. RFC 2231 forms (`name*=`) are not decoded: they simply do not match,
/// which makes the pre-scan see less than GMime, never more.
std::optional<std::string> header_param(std::string_view value, std::string_view param) {
  std::size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;  // past ';'
    while (i < value.size() && is_space(value[i])) ++i;
    const std::size_t name_start = i;
    while (i < value.size() && value[i] != '=' && value[i] != ';') ++i;
    const auto name = trim(value.substr(name_start, i - name_start));
    std::string out;
    if (i < value.size() && value[i] == '=') {
      ++i;
      while (i < value.size() && is_space(value[i])) ++i;
      if (i < value.size() && value[i] == '"') {
        for (++i; i < value.size() && value[i] != '"'; ++i) {
          if (value[i] == '\\' && i + 1 < value.size()) ++i;
          out.push_back(value[i]);
        }
        i = value.find(';', i);
      } else {
        const std::size_t end = std::min(value.find(';', i), value.size());
        out = std::string(trim(value.substr(i, end - i)));
        i = end;
      }
    }
    if (iequals(name, param)) return out;
  }
  return std::nullopt;
}

/// A line of `body` from `pos`: its text without the line break, and where the next begins.
struct Line {
  std::string_view text;
  std::size_t next;
};
Line line_at(std::string_view body, std::size_t pos) {
  const void* nl = std::memchr(body.data() + pos, '\n', body.size() - pos);
  const std::size_t end =
      nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - body.data()) : body.size();
  auto text = body.substr(pos, end - pos);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  return {text, nl ? end + 1 : body.size()};
}

enum class Delimiter { kNone, kPart, kClose };

/// GMime's rule: "--boundary", optionally "--", then only linear white space.
Delimiter delimiter_kind(std::string_view line, std::string_view dash_boundary) {
  if (line.size() < dash_boundary.size() || line.substr(0, dash_boundary.size()) != dash_boundary)
    return Delimiter::kNone;
  auto rest = line.substr(dash_boundary.size());
  Delimiter kind = Delimiter::kPart;
  if (rest.size() >= 2 && rest.substr(0, 2) == "--") {
    kind = Delimiter::kClose;
    rest.remove_prefix(2);
  }
  for (char c : rest)
    if (c != ' ' && c != '\t' && c != '\r') return Delimiter::kNone;
  return kind;
}

/// Content-Disposition's name parameter from one part's raw header block (folded lines
/// joined); "" when there is none.
std::string disposition_name(std::string_view headers) {
  std::size_t pos = 0;
  while (pos < headers.size()) {
    auto line = line_at(headers, pos);
    pos = line.next;
    auto colon = line.text.find(':');
    if (colon == std::string_view::npos ||
        !iequals(trim(line.text.substr(0, colon)), "content-disposition"))
      continue;
    std::string value(line.text.substr(colon + 1));
    while (pos < headers.size() && (headers[pos] == ' ' || headers[pos] == '\t')) {
      auto more = line_at(headers, pos);
      value.append(more.text);
      pos = more.next;
    }
    return header_param(value, "name").value_or(std::string());
  }
  return {};
}

}  // namespace

Expected<std::size_t> scan_multipart_form(std::string_view content_type, std::string_view body,
                                          PartVisitor visit, void* context) {
  if (has_control_chars(content_type))
    return fail(Errc::kInvalidInput, "content type contains control characters");
  auto boundary = header_param(content_type, "boundary");
  if (!boundary || boundary->empty())
    return fail(Errc::kInvalidInput, "multipart body has no boundary parameter");
  const std::string dash_boundary = "--" + *boundary;
  // Delimiter lines are found with memmem (glibc: linear worst case, skips ahead on typical
  // text), so a body of millions of short lines costs no more than one of long ones.
  const std::string needle = "\n" + dash_boundary;
  auto next_candidate = [&](std::size_t from) {
    if (from >= body.size()) return body.size();
    const void* hit =
        ::memmem(body.data() + from, body.size() - from, needle.data(), needle.size());
    return hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - body.data()) + 1
               : body.size();
  };

  std::size_t parts = 0;
  std::size_t pos = body.substr(0, dash_boundary.size()) == dash_boundary ? 0 : next_candidate(0);
  std::size_t content_start = std::string_view::npos;  // of the open part, if any
  std::string name;
  while (pos < body.size()) {
    const auto line = line_at(body, pos);
    const auto kind = delimiter_kind(line.text, dash_boundary);
    if (kind == Delimiter::kNone) {
      pos = next_candidate(pos);
      continue;
    }
    if (content_start != std::string_view::npos && visit) {
      // The line break before a delimiter belongs to the delimiter.
      std::size_t end = pos;
      if (end > content_start && body[end - 1] == '\n') --end;
      if (end > content_start && body[end - 1] == '\r') --end;
      visit(context, name, body.substr(content_start, end - content_start));
    }
    content_start = std::string_view::npos;
    if (kind == Delimiter::kClose) return parts;
    if (++parts > kMaxFormParts)
      return fail(Errc::kTooLarge,
                  "form body has more than " + std::to_string(kMaxFormParts) + " parts");
    // The part's header block runs to the first empty line.
    const std::size_t headers_start = line.next;
    pos = headers_start;
    bool complete = false;
    while (pos < body.size()) {
      const auto h = line_at(body, pos);
      if (h.next - headers_start > kMaxPartHeaderBytes)
        return fail(Errc::kTooLarge, "a form part's header block is longer than " +
                                         std::to_string(kMaxPartHeaderBytes) + " bytes");
      pos = h.next;
      if (h.text.empty()) {
        complete = true;
        break;
      }
    }
    if (!complete) break;  // truncated: the full parse reports it
    if (visit) name = disposition_name(body.substr(headers_start, pos - headers_start));
    content_start = pos;
    // The blank line's '\n' may be the one before the next delimiter (an empty part).
    pos = next_candidate(pos - 1);
  }
  // A last part cut off by the end of the body (no closing delimiter) is still visited, as
  // GMime reads it too; the full parse then refuses the body as truncated (400), so a signed
  // but cut delivery is reported as what it is rather than as unsigned.
  if (content_start != std::string_view::npos && visit) {
    std::size_t end = body.size();
    if (end > content_start && body[end - 1] == '\n') --end;
    if (end > content_start && body[end - 1] == '\r') --end;
    visit(context, name, body.substr(content_start, end - content_start));
  }
  return parts;
}

namespace {

constexpr std::array<std::string_view, 3> kMailgunSignatureNames = {"timestamp", "token",
                                                                    "signature"};
/// Real values are 10 digits, 50 characters and 64 hex digits; anything this long is forged
/// and is not copied.
constexpr std::size_t kMaxSignatureFieldBytes = 1024;

struct SignatureScan {
  std::array<std::size_t, 3> count{};
  std::array<std::string, 3> value;
  std::array<bool, 3> too_long{};

  void see(std::size_t i, std::string_view v) {
    if (++count[i] > 1) return;
    if (v.size() > kMaxSignatureFieldBytes)
      too_long[i] = true;
    else
      value[i] = std::string(v);
  }
  static void visit(void* self, std::string_view name, std::string_view content) {
    for (std::size_t i = 0; i < kMailgunSignatureNames.size(); ++i)
      if (name == kMailgunSignatureNames[i]) static_cast<SignatureScan*>(self)->see(i, content);
  }
};

/// Visits each non-empty pair of an urlencoded body, stopping past kMaxFormParts; returns the
/// number of pairs. Only keys short enough to be a signature field name are decoded.
Expected<std::size_t> scan_urlencoded(std::string_view body, SignatureScan* scan) {
  // A percent-encoded name is at most three times its length.
  constexpr std::size_t kMaxEncodedName = 3 * 9;
  std::size_t fields = 0;
  std::size_t pos = 0;
  while (pos < body.size()) {
    const void* amp = std::memchr(body.data() + pos, '&', body.size() - pos);
    const std::size_t end =
        amp ? static_cast<std::size_t>(static_cast<const char*>(amp) - body.data()) : body.size();
    const auto pair = body.substr(pos, end - pos);
    pos = end + 1;
    if (pair.empty()) continue;
    if (++fields > kMaxFormParts)
      return fail(Errc::kTooLarge,
                  "form body has more than " + std::to_string(kMaxFormParts) + " fields");
    if (!scan) continue;
    const auto eq = pair.find('=');
    const auto raw_key = pair.substr(0, eq);
    if (raw_key.size() > kMaxEncodedName) continue;
    auto key = connectors::url_decode(raw_key);
    if (!key) continue;  // the full parse refuses the body
    for (std::size_t i = 0; i < kMailgunSignatureNames.size(); ++i) {
      if (*key != kMailgunSignatureNames[i]) continue;
      const auto raw_value =
          eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
      if (raw_value.size() > 3 * kMaxSignatureFieldBytes) {
        scan->see(i, raw_value);  // counted and marked too long, never decoded
        continue;
      }
      auto value = connectors::url_decode(raw_value);
      if (value) scan->see(i, *value);
    }
  }
  return fields;
}

}  // namespace

Expected<MailgunSignature> scan_mailgun_signature(std::string_view content_type,
                                                  std::string_view body) {
  const auto media = media_type(content_type);
  SignatureScan scan;
  if (media == "multipart/form-data") {
    auto parts = scan_multipart_form(content_type, body, &SignatureScan::visit, &scan);
    if (!parts) return Unexpected(parts.error());
  } else if (media == "application/x-www-form-urlencoded") {
    auto fields = scan_urlencoded(body, &scan);
    if (!fields) return Unexpected(fields.error());
  } else {
    return fail(Errc::kUnsupportedMedia,
                "mailgun posts application/x-www-form-urlencoded or multipart/form-data, got '" +
                    make_valid_utf8(media.substr(0, 64)) + "'");
  }
  if (scan.count[0] == 0 || scan.count[1] == 0 || scan.count[2] == 0)
    return fail(Errc::kUnauthenticated,
                "mailgun signature fields missing (timestamp, token, signature)");
  for (std::size_t i = 0; i < kMailgunSignatureNames.size(); ++i) {
    const std::string name(kMailgunSignatureNames[i]);
    if (scan.count[i] > 1)
      return fail(Errc::kUnauthenticated, "mailgun signature field '" + name + "' appears " +
                                              std::to_string(scan.count[i]) + " times");
    if (scan.too_long[i])
      return fail(Errc::kUnauthenticated, "mailgun signature field '" + name + "' is too long");
  }
  return MailgunSignature{std::move(scan.value[0]), std::move(scan.value[1]),
                          std::move(scan.value[2])};
}

Expected<FormParts> parse_multipart_form(std::string_view content_type, std::string_view body) {
  // The caps first, in one linear pass: GMime would otherwise build every part.
  auto scanned = scan_multipart_form(content_type, body);
  if (!scanned) return Unexpected(scanned.error());
  ensure_gmime();
  std::string entity;
  entity.reserve(content_type.size() + body.size() + 20);
  entity.append("Content-Type: ").append(content_type).append("\r\n\r\n").append(body);

  ParserOver p(entity);
  ParserOptions options(g_mime_parser_options_new());
  ParseIssues issues;
  g_mime_parser_options_set_warning_callback(options.get(), on_parser_warning, &issues);
  GPtr<GMimeObject> top(g_mime_parser_construct_part(p.parser.get(), options.get()));
  if (issues.no_boundary)
    return fail(Errc::kInvalidInput, "multipart body has no boundary parameter");
  if (!top || !GMIME_IS_MULTIPART(top.get()) || issues.critical)
    return fail(Errc::kInvalidInput, "multipart body could not be parsed");
  auto* multipart = GMIME_MULTIPART(top.get());
  const int count = g_mime_multipart_get_count(multipart);
  if (issues.truncated)
    return fail(Errc::kInvalidInput, "multipart body is truncated (no closing boundary)");
  if (count <= 0) return fail(Errc::kInvalidInput, "multipart body has no parts");
  // Should GMime find delimiters the scan did not, the cap still holds (after the fact).
  if (static_cast<std::size_t>(count) > kMaxFormParts)
    return fail(Errc::kTooLarge,
                "form body has more than " + std::to_string(kMaxFormParts) + " parts");

  FormParts parts;
  parts.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    GMimeObject* part = g_mime_multipart_get_part(multipart, i);
    const char* name = g_mime_object_get_content_disposition_parameter(part, "name");
    if (!name || !*name) continue;
    FormPart out;
    out.name = name;
    out.filename =
        chars_or_empty(g_mime_object_get_content_disposition_parameter(part, "filename"));
    GPtr<GMimeStream> sink(g_mime_stream_mem_new());
    if (GMIME_IS_PART(part)) {
      // Decodes any Content-Transfer-Encoding; the charset is left to the caller.
      if (GMimeDataWrapper* content = g_mime_part_get_content(GMIME_PART(part)))
        g_mime_data_wrapper_write_to_stream(content, sink.get());
    } else {
      // A message/rfc822 or nested multipart field: keep its serialised content.
      g_mime_object_write_content_to_stream(part, nullptr, sink.get());
    }
    out.value = mem_stream_bytes(sink.get());
    parts.push_back(std::move(out));
  }
  return parts;
}

const std::string* find_field(const FormParts& parts, std::string_view name, bool ignore_case) {
  for (const auto& p : parts)
    if (ignore_case ? iequals(p.name, name) : p.name == name) return &p.value;
  return nullptr;
}

const std::string* find_header(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return &v;
  return nullptr;
}

Headers parse_header_block(std::string_view raw) {
  while (!raw.empty() && (raw.front() == '\r' || raw.front() == '\n')) raw.remove_prefix(1);
  if (trim(raw).empty()) return {};
  ensure_gmime();
  std::string block(raw);
  if (block.back() != '\n') block += "\r\n";
  block += "\r\n";
  ParserOver p(block);
  GPtr<GMimeMessage> message(g_mime_parser_construct_message(p.parser.get(), nullptr));
  Headers out;
  if (!message) return out;
  GMimeHeaderList* list = g_mime_object_get_header_list(GMIME_OBJECT(message.get()));
  int count = list ? g_mime_header_list_get_count(list) : 0;
  for (int i = 0; i < count; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
    std::string value =
        take(g_mime_utils_header_unfold(chars_or_empty(g_mime_header_get_raw_value(h)).c_str()));
    out.emplace_back(chars_or_empty(g_mime_header_get_name(h)), std::string(trim(value)));
  }
  return out;
}

std::string decode_header_text(std::string_view text) {
  if (text.empty()) return {};
  ensure_gmime();
  std::string in(text);
  return make_valid_utf8(trim(take(g_mime_utils_header_decode_text(nullptr, in.c_str()))));
}

namespace {
void collect_addresses(InternetAddressList* list, std::vector<Address>& out, int depth) {
  if (!list || depth > 4) return;
  const int n = internet_address_list_length(list);
  for (int i = 0; i < n; ++i) {
    InternetAddress* ia = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_GROUP(ia)) {
      collect_addresses(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)), out,
                        depth + 1);
    } else if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
      std::string addr =
          chars_or_empty(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)));
      if (addr.empty() || addr.find('@') == std::string::npos) continue;
      out.push_back(Address{make_valid_utf8(trim(chars_or_empty(internet_address_get_name(ia)))),
                            std::move(addr)});
    }
  }
}
}  // namespace

std::vector<Address> parse_addresses(std::string_view text) {
  std::vector<Address> out;
  if (trim(text).empty()) return out;
  ensure_gmime();
  std::string in(text);
  GPtr<InternetAddressList> list(internet_address_list_parse(nullptr, in.c_str()));
  collect_addresses(list.get(), out, 0);
  return out;
}

std::vector<std::string> parse_message_ids(std::string_view text) {
  std::vector<std::string> ids;
  if (text.find('<') != std::string_view::npos) {
    std::size_t pos = 0;
    while ((pos = text.find('<', pos)) != std::string_view::npos) {
      auto close = text.find('>', pos + 1);
      if (close == std::string_view::npos) break;
      auto id = trim(text.substr(pos + 1, close - pos - 1));
      if (!id.empty()) ids.emplace_back(id);
      pos = close + 1;
    }
    return ids;
  }
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (is_space(text[i]) || text[i] == ',')) ++i;
    std::size_t start = i;
    while (i < text.size() && !is_space(text[i]) && text[i] != ',') ++i;
    if (i > start) ids.emplace_back(text.substr(start, i - start));
  }
  return ids;
}

// ---- Mailgun ----------------------------------------------------------------------------

Expected<FormParts> mailgun_fields(std::string_view content_type, std::string_view body) {
  auto media = media_type(content_type);
  if (media == "multipart/form-data") return parse_multipart_form(content_type, body);
  if (media != "application/x-www-form-urlencoded")
    return fail(Errc::kUnsupportedMedia,
                "mailgun posts application/x-www-form-urlencoded or multipart/form-data, got '" +
                    make_valid_utf8(media.substr(0, 64)) + "'");
  auto fields = scan_urlencoded(body, nullptr);
  if (!fields) return Unexpected(fields.error());
  auto form = connectors::parse_form(body);
  if (!form)
    return fail(Errc::kInvalidInput, "mailgun form body is malformed: " + form.error().message);
  FormParts parts;
  parts.reserve(form->size());
  for (auto& [k, v] : *form) parts.push_back(FormPart{std::move(k), {}, std::move(v)});
  return parts;
}

Expected<ProviderMail> parse_mailgun(const FormParts& f) {
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
Expected<const boost::json::array*> optional_array(const boost::json::object& obj,
                                                   std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->value().is_null())
    return static_cast<const boost::json::array*>(nullptr);
  if (!it->value().is_array())
    return fail(Errc::kInvalidInput, "postmark field '" + std::string(key) + "' is not an array");
  return &it->value().get_array();
}

/// ToFull / CcFull entries ({Email, Name, MailboxHash}); falls back to the plain header text.
Expected<bool> postmark_recipients(const boost::json::object& obj, std::string_view full_key,
                                   std::string_view plain_key, std::vector<std::string>& out,
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

Expected<ProviderMail> parse_postmark(std::string_view body) {
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

Expected<ProviderMail> parse_sendgrid(const FormParts& f) {
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
