#include "connectors/email/form_scan.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include "bot/core/text.hpp"
#include "connectors/common/form.hpp"
#include "connectors/email/inbound_providers.hpp"

namespace steward::email::detail {

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
    while (i < value.size() && is_blank(value[i])) ++i;
    const std::size_t name_start = i;
    while (i < value.size() && value[i] != '=' && value[i] != ';') ++i;
    const auto name = trim(value.substr(name_start, i - name_start));
    std::string out;
    if (i < value.size() && value[i] == '=') {
      ++i;
      while (i < value.size() && is_blank(value[i])) ++i;
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

[[nodiscard]] Expected<std::size_t> scan_multipart_form(std::string_view content_type,
                                                        std::string_view body, PartVisitor visit,
                                                        void* context) {
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
[[nodiscard]] Expected<std::size_t> scan_urlencoded(std::string_view body, SignatureScan* scan) {
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

[[nodiscard]] Expected<std::size_t> scan_urlencoded_fields(std::string_view body) {
  return scan_urlencoded(body, nullptr);
}

[[nodiscard]] Expected<MailgunSignature> scan_mailgun_signature(std::string_view content_type,
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

}  // namespace steward::email::detail
