#pragma once
// Configuration of one inbound form webhook (`[forms.NAME]` in steward.toml).

#include <map>
#include <string>

#include "bot/core/secret.hpp"

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

}  // namespace steward::forms
