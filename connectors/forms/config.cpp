#include "connectors/forms/config.hpp"

#include <cstdlib>

namespace steward::forms {

[[nodiscard]] Expected<void> read_config(const toml::table& section, cfg::Reader& r,
                                         FormsConfig& out) {
  const bool check = r.env() == cfg::Env::kExpand;
  for (const auto& [key, node] : section) {
    const std::string name(key.str());
    const auto* t = r.table(name);
    if (!t) return r.status();
    auto f = r.child(name, *t);
    FormConfig form;
    form.name = name;
    auto format = f.string("format", "json");
    if (check && format != "typeform" && format != "json")
      f.fail("format", "must be \"typeform\" or \"json\"");
    form.format = format == "typeform" ? Format::kTypeform : Format::kJson;
    form.secret = f.secret("secret");
    if (check && form.secret.empty())
      f.fail("secret", "is required (webhooks are always verified)");
    if (const auto* refs = f.table("refs")) {
      auto rr = f.child("refs", *refs);
      for (const auto& [canonical, ref] : *refs) {
        (void)ref;
        form.refs[std::string(canonical.str())] = rr.string(canonical.str());
      }
      if (auto done = rr.finish(); !done) return done;
    }
    if (auto done = f.finish(); !done) return done;
    out.forms.push_back(std::move(form));
  }
  return r.status();
}

FormsConfig embedded_config() {
  FormsConfig c;
  FormConfig website;
  website.name = "website";
  website.format = Format::kJson;
  const char* env = std::getenv("STEWARD_FORM_SECRET");
  website.secret = Secret(env && *env ? env : "steward-demo-form-secret");
  c.demo_secret = !(env && *env);
  c.forms.push_back(std::move(website));
  return c;
}

}  // namespace steward::forms
