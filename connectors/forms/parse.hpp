#pragma once
// Pure parsers: a verified form webhook body → a normalised `form.submitted` Event.
// No I/O; thread-safe; never throw.
//
// Event produced (both formats):
//   source "forms", kind "form.submitted", actor = the submitter's email (lower-cased),
//   dedupe_key "form:<name>:<event_id | response token | hex SHA-256 of the raw body>",
//   received_at left at its default (the caller stamps it),
//   payload {
//     "form": <name>, "provider": "typeform" | "json",
//     "provider_event_id": string | null, "response_token": string | null,
//     "submitted_at": string | null,
//     "fields": { canonical name → value },   // only answered fields; see below
//     "hidden": { … },                        // hidden fields as sent ({} when none)
//     "extra":  { provider ref → value }      // answers no ref maps to a canonical name
//   }
//
// Fields: a provider ref/key is mapped to a canonical name through the form's refs (defaults:
// name, email, company, employees, budget, message, phone map to themselves; a configured
// entry overrides the default for that canonical name). Unanswered, null and blank answers are
// absent. name, email, company, message and phone must be text (trimmed); email is required,
// must be an address (exactly one '@', non-empty local part, dotted domain, no spaces or
// control characters) and is lower-cased. employees and budget accept a JSON number (>= 0) or
// text; for text, `<field>_text` keeps the raw (trimmed) text and `<field>` holds the number
// when parse_quantity() understands it. Other canonical fields keep the answer's value.

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "bot/core/event.hpp"
#include "bot/core/expected.hpp"
#include "connectors/forms/config.hpp"

namespace steward::forms {

/// Deepest JSON nesting accepted in a form body.
inline constexpr std::size_t kMaxJsonDepth = 32;

/// Canonical fields that map to a provider ref of the same name unless configured otherwise.
inline constexpr std::array<std::string_view, 7> kDefaultFields = {
    "name", "email", "company", "employees", "budget", "message", "phone"};

/// The form's canonical → provider ref map: kDefaultFields mapped to themselves, overridden
/// and extended by `form.refs`.
std::map<std::string, std::string> effective_refs(const FormConfig& form);

/// Reads a head-count or money amount typed by a person. Accepted, after trimming:
///   [currency] number [k|m|mm|b|bn] [+] [currency]
/// where currency is $ € £ ¥ or one of USD EUR GBP CHF CAD AUD JPY SEK NOK DKK INR (any case),
/// number is digits with optional ',' thousands groups (exactly 3 digits each) and an optional
/// '.' fraction; k = thousand, m/mm = million, b/bn = billion (any case).
/// A range "A-B", "A–B", "A—B" or "A to B" yields its lower bound A (B must parse too); B's
/// multiplier applies to A when A has none ("10-50k" → 10000).
/// Examples: "250" → 250, "50,000" → 50000, "$50k" → 50000, "1000+" → 1000, "51-200" → 51,
/// "€1.5m" → 1500000. Anything else ("about fifty", "<10", "-5", "1,5") → nullopt.
std::optional<double> parse_quantity(std::string_view text);

/// Parses a Typeform webhook body. Errors (all kInvalidInput, with a precise reason):
/// invalid JSON / not an object / nesting deeper than kMaxJsonDepth; event_type not
/// "form_response" (partial responses are refused); missing form_response or answers; an
/// answer or value of the wrong JSON type; missing or invalid email; wrong canonical types.
[[nodiscard]] Expected<Event> parse_typeform(const FormConfig& form, std::string_view raw_body);

/// Parses Steward's JSON form body: an object, either {"event_id": …, "fields": {…}} or flat
/// {"event_id": …, "name": …, "email": …}. "event_id" (or "id"; string or integer) is optional;
/// "token", "submitted_at" (strings) and "hidden" (object) are optional and never fields.
/// Errors as for parse_typeform().
[[nodiscard]] Expected<Event> parse_json_submission(const FormConfig& form,
                                                    std::string_view raw_body);

/// Dispatches on form.format.
[[nodiscard]] Expected<Event> parse_submission(const FormConfig& form, std::string_view raw_body);

}  // namespace steward::forms
