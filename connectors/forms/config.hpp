#pragma once
// Configuration of one inbound form webhook (`[forms.NAME]` in steward.toml).

#include <map>
#include <string>
#include <vector>

#include "bot/core/expected.hpp"
#include "bot/core/secret.hpp"
#include "bot/toml/reader.hpp"

namespace steward::forms {

/// Wire format of a form's webhook body.
enum class Format {
  kTypeform,  ///< Typeform `form_response` webhook, header `Typeform-Signature`
  kJson,      ///< Steward's own JSON shape (flat or {"fields":{…}}), header `X-Steward-Signature`
};

/// One form endpoint: `POST /hooks/forms/{name}`.
struct FormConfig {
  std::string name;
  Format format = Format::kJson;
  Secret secret;
  /// canonical field → provider ref/key. Defaults: name, email, company, employees, budget,
  /// message, phone map to themselves. Entries here override a default or add a canonical field.
  std::map<std::string, std::string> refs;
};

/// Every `[forms.NAME]` table.
struct FormsConfig {
  std::vector<FormConfig> forms;
  bool demo_secret = false;  ///< the built-in demo form secret is in use (warn at start-up)
};

/// Reads the [forms] table `section` through its `reader`, one `[forms.NAME]` table per form:
/// format ("json" | "typeform"), secret (required), refs. Errors: kInvalidInput "FILE:LINE: key
/// 'forms.x.y': …". When the reader does not expand ${ENV} (an offline command), values are not
/// checked.
[[nodiscard]] Expected<void> read_config(const toml::table& section, cfg::Reader& reader,
                                         FormsConfig& out);

/// The embedded defaults: a JSON form "website" signed with $STEWARD_FORM_SECRET, or with a
/// built-in demo secret (demo_secret is then set).
FormsConfig embedded_config();

}  // namespace steward::forms
