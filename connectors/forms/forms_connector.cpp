#include "connectors/forms/forms_connector.hpp"

#include <utility>

#include "bot/core/text.hpp"

namespace steward::forms {

namespace {

bool is_json_media_type(std::string_view content_type) {
  return iequals(trim(content_type.substr(0, content_type.find(';'))), "application/json");
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
