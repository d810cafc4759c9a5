#pragma once
// `POST /hooks/forms/{name}`: verifies and normalises one form webhook into an Event.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/event.hpp"
#include "bot/core/expected.hpp"
#include "bot/net/http_types.hpp"
#include "connectors/common/module.hpp"
#include "connectors/forms/config.hpp"
#include "connectors/forms/parse.hpp"
#include "connectors/forms/signature.hpp"

namespace steward::forms {

/// Inbound side of the forms connector. Holds the configured forms; the route handler hands it
/// each request and commits the returned Event to the inbox.
/// @par Thread safety: immutable after construction; handle() may run concurrently.
/// @par Blocking: none (HMAC and JSON parsing of one body).
class FormsInbound {
 public:
  /// Forms are looked up by name; if two share a name the first wins (the config loader is
  /// expected to reject duplicates).
  explicit FormsInbound(std::vector<FormConfig> forms);

  /// Checks, in this order:
  ///  1. request.param("name") names a configured form, else kNotFound "unknown form 'x'";
  ///  2. Content-Type is application/json (parameters such as charset allowed), else
  ///     kUnsupportedMedia;
  ///  3. the signature over the raw body (header `typeform-signature` for Typeform forms,
  ///     `x-steward-signature` for JSON forms), else kUnauthenticated (kInternal when the form
  ///     has no secret configured) — before any parsing;
  ///  4. parse_submission(), else kInvalidInput.
  /// The Event's received_at is the request's.
  [[nodiscard]] Expected<Event> handle(const net::HttpRequest& request) const;

  /// The form called `name`, or nullptr.
  [[nodiscard]] const FormConfig* find(std::string_view name) const;

 private:
  std::map<std::string, FormConfig, std::less<>> forms_;
};

/// Lower-case name of the signature header for a format: "typeform-signature" or
/// "x-steward-signature".
std::string_view signature_header(Format format) noexcept;

/// The [forms.NAME] module for connectors/builtin.cpp: POST /hooks/forms/{name}.
std::unique_ptr<connectors::Module> make_module();

}  // namespace steward::forms
