// Form webhooks: parse_submission() for a Typeform form (default and custom refs) and a JSON
// form, and FormsInbound::handle() — once with the correct signature computed here (so the
// parser behind the verifier is reached) and once with the raw input as the signature header.
// Also the helpers parse_quantity() and is_email_address() on the first line of the input.
//
// Input: the raw webhook body.
//
// Invariants: a parsed Event is a "forms"/"form.submitted" event whose dedupe key starts with
// "form:<name>:" and whose actor is the lower-cased, valid email in payload.fields.email;
// handle() with a correct signature agrees with parse_submission(); handle() with a wrong
// signature never succeeds.

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "bot/core/json.hpp"
#include "bot/core/mailbox.hpp"
#include "connectors/forms/forms_connector.hpp"
#include "connectors/forms/parse.hpp"
#include "connectors/forms/signature.hpp"
#include "tests/fuzz/fuzz_util.hpp"

namespace {

using namespace steward;

forms::FormConfig make_form(std::string name, forms::Format format,
                            std::map<std::string, std::string> refs) {
  forms::FormConfig f;
  f.name = std::move(name);
  f.format = format;
  f.secret = Secret("fuzz-form-secret-" + f.name);
  f.refs = std::move(refs);
  return f;
}

const std::vector<forms::FormConfig>& configured_forms() {
  static const std::vector<forms::FormConfig> kForms = {
      make_form("website", forms::Format::kTypeform, {}),
      make_form("demo", forms::Format::kTypeform,
                {{"name", "01HQZ_full_name"},
                 {"email", "01HQZ_work_email"},
                 {"company", "01HQZ_org"},
                 {"employees", "01HQZ_headcount"},
                 {"budget", "01HQZ_budget"},
                 {"industry", "01HQZ_industry"}}),
      make_form("web", forms::Format::kJson, {{"company", "org"}, {"account", "org"}}),
  };
  return kForms;
}

void check_event(const forms::FormConfig& form, const Event& ev) {
  fuzz::require(ev.source == "forms" && ev.kind == "form.submitted", "wrong source/kind");
  fuzz::require(ev.dedupe_key.rfind("form:" + form.name + ":", 0) == 0, "wrong dedupe prefix");
  const auto* fields = json::get_object(ev.payload, "fields");
  fuzz::require(fields != nullptr, "payload without fields");
  auto email = json::get_string(*fields, "email");
  fuzz::require(email.has_value(), "accepted without email");
  fuzz::require(*email == ev.actor, "actor is not the email");
  fuzz::require(is_email_address(*email), "accepted an invalid email");
  for (char c : *email) fuzz::require(!(c >= 'A' && c <= 'Z'), "email not lower-cased");
  fuzz::require_storable(ev.payload);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = fuzz::as_text(data, size);
  static const forms::FormsInbound inbound(configured_forms());

  for (const auto& form : configured_forms()) {
    auto parsed = forms::parse_submission(form, body);
    if (parsed) check_event(form, *parsed);

    net::HttpRequest req;
    req.method = "POST";
    req.path = req.target = "/hooks/forms/" + form.name;
    req.params["name"] = form.name;
    req.headers["content-type"] = "application/json; charset=utf-8";
    req.body = std::string(body);
    const std::string header(forms::signature_header(form.format));

    req.headers[header] = forms::sign_body(form.secret, body);
    auto signed_result = inbound.handle(req);
    fuzz::require(signed_result.has_value() == parsed.has_value(),
                  "handle() with a correct signature disagrees with parse_submission()");
    if (signed_result) {
      check_event(form, *signed_result);
      fuzz::require(signed_result->dedupe_key == parsed->dedupe_key, "dedupe keys differ");
    } else {
      fuzz::require(signed_result.error().code == Errc::kInvalidInput, "parse error not 400");
    }

    req.headers[header] = std::string(body);
    auto raw = inbound.handle(req);
    fuzz::require(!raw || body == forms::sign_body(form.secret, body),
                  "handle() accepted a wrong signature");
    if (!raw)
      fuzz::require(
          raw.error().code == Errc::kUnauthenticated || raw.error().code == Errc::kInvalidInput,
          "wrong signature not answered 401");
  }

  std::string_view rest = body;
  const std::string_view first = fuzz::take_line(rest);
  if (auto q = forms::parse_quantity(first)) fuzz::require(*q >= 0, "negative quantity");
  (void)is_email_address(first);
  return 0;
}
