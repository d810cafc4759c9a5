#include "connectors/forms/forms_connector.hpp"

#include <spdlog/spdlog.h>

#include <utility>

#include "bot/core/printable.hpp"
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

namespace {

class FormsConnector final : public Connector {
 public:
  explicit FormsConnector(std::vector<FormConfig> forms) : inbound_(std::move(forms)) {}
  std::string_view name() const override { return "forms"; }
  std::vector<Route> routes() override {
    Route r;
    r.pattern = "/hooks/forms/{name}";
    r.handle = [this](const HttpRequest& req) -> Expected<Event> {
      auto event = inbound_.handle(req);
      if (!event) {
        spdlog::info("form {} rejected from {}: {}", printable(req.param("name")), req.remote,
                     printable(event.error().message, 500));
        return event;
      }
      event->received_at = req.received_at;
      return event;
    };
    return {std::move(r)};
  }

 private:
  FormsInbound inbound_;
};

class FormsModule final : public connectors::Module {
 public:
  std::string_view section() const override { return "forms"; }
  [[nodiscard]] Expected<void> read_config(const toml::table& table, cfg::Reader& reader) override {
    return forms::read_config(table, reader, config_);
  }
  void use_embedded_defaults() override { config_ = embedded_config(); }
  [[nodiscard]] Expected<std::string> describe() const override {
    return "forms: " + std::to_string(config_.forms.size());
  }
  [[nodiscard]] Expected<std::unique_ptr<Connector>> start(ConnectorHost&) override {
    if (config_.demo_secret)
      spdlog::warn(
          "form 'website' uses the built-in demo secret; set STEWARD_FORM_SECRET or a "
          "config file before exposing Steward");
    return std::unique_ptr<Connector>(std::make_unique<FormsConnector>(config_.forms));
  }

 private:
  FormsConfig config_;
};

}  // namespace

std::unique_ptr<connectors::Module> make_module() { return std::make_unique<FormsModule>(); }

}  // namespace steward::forms
