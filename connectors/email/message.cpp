#include "connectors/email/message.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <cstdio>
#include <ctime>
#include <utility>

#include "connectors/common/crypto.hpp"

namespace steward::email {

namespace {

namespace bj = boost::json;

constexpr std::string_view kCrlf = "\r\n";
constexpr std::size_t kMaxLine = 76;    // RFC 2047 §2 limit for lines with encoded-words
constexpr std::size_t kWordBytes = 39;  // 52 base64 chars + 12 = 64-char encoded-word
constexpr char kHex[] = "0123456789ABCDEF";

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t";
  auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

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

std::vector<std::string> split_spaces(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto sp = s.find(' ', start);
    out.emplace_back(s.substr(start, sp == std::string_view::npos ? sp : sp - start));
    if (sp == std::string_view::npos) break;
    start = sp + 1;
  }
  return out;
}

// "Name: tok tok tok" folded before a token whenever the line would pass kMaxLine.
std::string header(std::string_view name, const std::vector<std::string>& tokens) {
  std::string out(name);
  out += ':';
  std::size_t line = out.size();
  bool first = true;
  for (const auto& t : tokens) {
    if (!first && line + 1 + t.size() > kMaxLine) {
      out += kCrlf;
      line = 0;
    }
    out += ' ';
    out += t;
    line += 1 + t.size();
    first = false;
  }
  out += kCrlf;
  return out;
}

std::string header(std::string_view name, std::string_view value) {
  return header(name, std::vector<std::string>{std::string(value)});
}

bool is_special(char c) {
  constexpr std::string_view kSpecials = "()<>[]:;@\\,.\"";
  return kSpecials.find(c) != std::string_view::npos;
}

std::vector<std::string> mailbox_tokens(const Mailbox& m) {
  std::vector<std::string> out;
  auto angle = "<" + m.address + ">";
  if (m.display.empty()) {
    out.push_back(m.address);
    return out;
  }
  bool plain = is_ascii_printable(m.display) && m.display.find("=?") == std::string::npos;
  if (!plain) {
    out = encode_words(m.display);
  } else {
    bool needs_quotes = false;
    for (char c : m.display) needs_quotes = needs_quotes || is_special(c);
    if (needs_quotes) {
      std::string q = "\"";
      for (char c : m.display) {
        if (c == '"' || c == '\\') q += '\\';
        q += c;
      }
      q += '"';
      out.push_back(std::move(q));
    } else {
      out = split_spaces(m.display);
    }
  }
  out.push_back(std::move(angle));
  return out;
}

std::vector<std::string> list_tokens(const std::vector<Mailbox>& list) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto t = mailbox_tokens(list[i]);
    if (i + 1 < list.size()) t.back() += ',';
    out.insert(out.end(), t.begin(), t.end());
  }
  return out;
}

std::vector<std::string> subject_tokens(std::string_view subject) {
  bool encode = !is_ascii_printable(subject) || subject.find("=?") != std::string_view::npos;
  if (!encode) {
    auto words = split_spaces(subject);
    for (const auto& w : words) encode = encode || w.size() > kMaxLine - 10;
    if (!encode) return words;
  }
  return encode_words(subject);
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

Unexpected permanent(std::string message) {
  return fail(Errc::kPermanent, "email.send: " + std::move(message));
}

// The string field `key`: nullopt when absent or null; kPermanent when not a string or when it
// carries CR/LF (every string read here ends up in a header, except the bodies).
Expected<std::optional<std::string>> string_field(const bj::object& fields, std::string_view key,
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

Expected<Mailbox> field_mailbox(std::string_view key, std::string_view text) {
  auto m = parse_mailbox(text);
  if (!m) return permanent("field '" + std::string(key) + "': " + m.error().message);
  return m;
}

Expected<std::string> normalise_message_id(std::string_view raw) {
  auto id = trim(raw);
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  bool ok = !id.empty() && id.size() <= 900 && is_ascii_printable(id) &&
            id.find_first_of(" <>") == std::string_view::npos &&
            id.find('@') != std::string_view::npos;
  if (!ok) return permanent("field 'in_reply_to' is not a Message-ID");
  return "<" + std::string(id) + ">";
}

}  // namespace

bool is_email_address(std::string_view text) {
  if (text.empty() || text.size() > 254 || !is_ascii_printable(text)) return false;
  if (text.find_first_of(" <>,\"\\") != std::string_view::npos) return false;
  auto at = text.find('@');
  if (at == std::string_view::npos || at == 0 || text.find('@', at + 1) != std::string_view::npos)
    return false;
  auto domain = text.substr(at + 1);
  return domain.find('.') != std::string_view::npos && domain.front() != '.' &&
         domain.back() != '.' && domain.find("..") == std::string_view::npos;
}

Expected<Mailbox> parse_mailbox(std::string_view text) {
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
  if (!is_email_address(m.address)) return fail(Errc::kInvalidInput, "not a valid email address");
  return m;
}

std::string format_mailbox(const Mailbox& mailbox) {
  std::string out;
  for (const auto& t : mailbox_tokens(mailbox)) {
    if (!out.empty()) out += ' ';
    out += t;
  }
  return out;
}

std::vector<std::string> encode_words(std::string_view text) {
  std::vector<std::string> words;
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
    if (end == i) end = i + 1;  // unreachable with kWordBytes >= 4; guards against a stall
    words.push_back("=?UTF-8?B?" + connectors::base64_encode(text.substr(i, end - i)) + "?=");
    i = end;
  }
  return words;
}

std::string encode_quoted_printable(std::string_view text) {
  std::string out;
  std::string line;  // the current encoded line
  auto flush_soft = [&] {
    out += line;
    out += "=\r\n";
    line.clear();
  };
  auto put = [&](std::string_view token) {
    if (line.size() + token.size() > kMaxLine - 1) flush_soft();
    line += token;
  };
  auto encoded = [](unsigned char c) { return std::string{'=', kHex[c >> 4], kHex[c & 0xF]}; };
  std::size_t i = 0;
  while (i < text.size()) {
    // One input line: [i, eol), then its break (if any).
    std::size_t eol = text.find_first_of("\r\n", i);
    if (eol == std::string_view::npos) eol = text.size();
    for (std::size_t k = i; k < eol; ++k) {
      auto c = static_cast<unsigned char>(text[k]);
      bool last = k + 1 == eol;
      bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
      if (c == '.' && line.empty()) literal = false;
      if (literal)
        put(std::string_view(reinterpret_cast<const char*>(&text[k]), 1));
      else
        put(encoded(c));
    }
    out += line;
    line.clear();
    if (eol == text.size()) break;
    out += kCrlf;
    i = eol + ((text[eol] == '\r' && eol + 1 < text.size() && text[eol + 1] == '\n') ? 2 : 1);
  }
  return out;
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

Expected<ComposedEmail> compose_email(const bj::object& fields, const ComposeContext& ctx) {
  // Configuration first: these are our mistakes, not the action's.
  if (ctx.idempotency_key.empty()) return fail(Errc::kInternal, "email: empty idempotency key");
  auto from = parse_mailbox(ctx.from);
  if (!from)
    return fail(Errc::kInternal, "email: [email] from is not usable: " + from.error().message);
  std::string domain = ctx.message_id_domain;
  if (domain.empty()) domain = from->address.substr(from->address.find('@') + 1);
  if (!is_email_address("x@" + domain))
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
  auto text = string_field(fields, "text", false);
  if (!text) return Unexpected(text.error());
  auto html = string_field(fields, "html", false);
  if (!html) return Unexpected(html.error());

  std::vector<std::string> cc_texts;
  if (auto it = fields.find("cc"); it != fields.end() && !it->value().is_null()) {
    const auto& v = it->value();
    if (v.is_string()) {
      for (auto part : split_address_list(v.get_string())) {
        if (!trim(part).empty()) cc_texts.emplace_back(part);
      }
    } else if (v.is_array()) {
      for (const auto& e : v.get_array()) {
        if (!e.is_string()) return permanent("field 'cc' must be a string or strings");
        cc_texts.emplace_back(e.get_string());
      }
    } else {
      return permanent("field 'cc' must be a string or an array of strings");
    }
    for (const auto& c : cc_texts)
      if (has_crlf(c)) return permanent("field 'cc' contains CR or LF (header injection)");
  }

  if (!*to) return permanent("missing field 'to'");
  if (!*subject) return permanent("missing field 'subject'");
  if (!*text) return permanent("missing field 'text'");
  if (trim(**subject).empty()) return permanent("field 'subject' must not be empty");
  if (text->value().empty()) return permanent("field 'text' must not be empty");

  auto to_box = field_mailbox("to", **to);
  if (!to_box) return Unexpected(to_box.error());
  std::vector<Mailbox> cc;
  for (const auto& c : cc_texts) {
    auto box = field_mailbox("cc", c);
    if (!box) return Unexpected(box.error());
    cc.push_back(std::move(*box));
  }
  std::optional<Mailbox> reply_box;
  if (*reply_to) {
    auto box = field_mailbox("reply_to", **reply_to);
    if (!box) return Unexpected(box.error());
    reply_box = std::move(*box);
  }
  std::optional<std::string> parent;
  if (*in_reply_to) {
    auto id = normalise_message_id(**in_reply_to);
    if (!id) return Unexpected(id.error());
    parent = std::move(*id);
  }

  ComposedEmail out;
  std::string left = safe_key(ctx.idempotency_key);
  out.message_id = "<" + left + "@" + domain + ">";
  out.recipients.push_back(to_box->address);
  for (const auto& c : cc) out.recipients.push_back(c.address);

  // X-Steward-Action carries the key itself when it is printable ASCII (it always is for keys
  // the outbox makes); otherwise its safe form, so the header stays one clean line.
  std::string action_key =
      is_ascii_printable(ctx.idempotency_key) && ctx.idempotency_key.size() <= 900
          ? ctx.idempotency_key
          : left;

  std::string& d = out.data;
  d += header("Date", rfc5322_date(ctx.date));
  d += header("From", mailbox_tokens(*from));
  d += header("To", mailbox_tokens(*to_box));
  if (!cc.empty()) d += header("Cc", list_tokens(cc));
  if (reply_box) d += header("Reply-To", mailbox_tokens(*reply_box));
  d += header("Subject", subject_tokens(**subject));
  d += header("Message-ID", out.message_id);
  if (parent) {
    d += header("In-Reply-To", *parent);
    d += header("References", *parent);
  }
  d += header("MIME-Version", "1.0");

  auto body_of = [](std::string_view s) {
    std::string qp = encode_quoted_printable(s);
    if (qp.size() < 2 || qp.compare(qp.size() - 2, 2, "\r\n") != 0) qp += kCrlf;
    return qp;
  };
  if (!*html) {
    d += header("Content-Type", "text/plain; charset=UTF-8");
    d += header("Content-Transfer-Encoding", "quoted-printable");
    d += header("X-Steward-Action", action_key);
    d += kCrlf;
    d += body_of(**text);
  } else {
    // "=_" can never occur in quoted-printable output, so the boundary cannot collide.
    std::string boundary =
        "=_steward_" + connectors::to_hex(connectors::sha256(ctx.idempotency_key)).substr(0, 24);
    d += header("Content-Type", "multipart/alternative; boundary=\"" + boundary + "\"");
    d += header("X-Steward-Action", action_key);
    d += kCrlf;
    for (auto [type, body] : {std::pair<std::string_view, std::string_view>{"text/plain", **text},
                              {"text/html", **html}}) {
      d += "--" + boundary + "\r\n";
      d += header("Content-Type", std::string(type) + "; charset=UTF-8");
      d += header("Content-Transfer-Encoding", "quoted-printable");
      d += kCrlf;
      // The CRLF before a delimiter belongs to the delimiter, so the part's text is exact.
      d += encode_quoted_printable(body);
      d += kCrlf;
    }
    d += "--" + boundary + "--\r\n";
  }
  return out;
}

}  // namespace steward::email
