#include "connectors/forms/forms_connector.hpp"

#include <utility>

namespace steward::forms {

namespace {

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t";
  auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

bool is_json_media_type(std::string_view content_type) {
  auto media = trim(content_type.substr(0, content_type.find(';')));
  constexpr std::string_view kJson = "application/json";
  if (media.size() != kJson.size()) return false;
  for (std::size_t i = 0; i < media.size(); ++i) {
    char c = media[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kJson[i]) return false;
  }
  return true;
}

}  // namespace

std::string_view signature_header(Format format) noexcept {
  switch (format) {
    case Format::kTypeform: return "typeform-signature";
    case Format::kJson: return "x-steward-signature";
  }
  return "x-steward-signature";
}

FormsInbound::FormsInbound(std::vector<FormConfig> forms) {
  for (auto& f : forms) {
    std::string name = f.name;
    forms_.emplace(std::move(name), std::move(f));
  }
}

const FormConfig* FormsInbound::find(std::string_view name) const {
  auto it = forms_.find(name);
  return it == forms_.end() ? nullptr : &it->second;
}

Expected<Event> FormsInbound::handle(const net::HttpRequest& request) const {
  auto name = request.param("name");
  const FormConfig* form = find(name);
  if (!form) {
    // Bounded echo: the name comes from the URL.
    return fail(Errc::kNotFound, "unknown form '" + std::string(name.substr(0, 64)) + "'");
  }
  auto content_type = request.header("content-type");
  if (!is_json_media_type(content_type)) {
    return fail(Errc::kUnsupportedMedia, "content type must be application/json, got '" +
                                             std::string(trim(content_type.substr(0, 64))) + "'");
  }
  auto verified =
      verify_signature(form->secret, request.header(signature_header(form->format)), request.body);
  if (!verified) return Unexpected(verified.error());

  auto event = parse_submission(*form, request.body);
  if (!event) return Unexpected(event.error());
  event->received_at = request.received_at;
  return event;
}

}  // namespace steward::forms
