#include <gmime/gmime.h>

#include <cstring>
#include <memory>

#include "connectors/email/form_scan.hpp"
#include "connectors/email/gmime_init.hpp"
#include "connectors/email/gmime_util.hpp"
#include "connectors/email/inbound_providers.hpp"

// The MIME building blocks the providers share: multipart/form-data, header blocks, RFC 2047
// text, address lists and Message-ID lists, all parsed by GMime.

namespace steward::email::detail {

std::string media_type(std::string_view content_type) {
  return lower(trim(content_type.substr(0, content_type.find(';'))));
}

std::string make_valid_utf8(std::string_view text) {
  if (g_utf8_validate_len(text.data(), text.size(), nullptr)) return std::string(text);
  return take(g_utf8_make_valid(text.data(), static_cast<gssize>(text.size())));
}

[[nodiscard]] Expected<FormParts> parse_multipart_form(std::string_view content_type,
                                                       std::string_view body) {
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
    while (i < text.size() && (is_blank(text[i]) || text[i] == ',')) ++i;
    std::size_t start = i;
    while (i < text.size() && !is_blank(text[i]) && text[i] != ',') ++i;
    if (i > start) ids.emplace_back(text.substr(start, i - start));
  }
  return ids;
}

}  // namespace steward::email::detail
