#include "connectors/forms/parse.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "bot/core/json.hpp"
#include "bot/core/mailbox.hpp"
#include "bot/core/text.hpp"
#include "connectors/common/crypto.hpp"

namespace steward::forms {

namespace {

namespace bj = boost::json;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// ---- quantities -------------------------------------------------------------------------

constexpr std::array<std::string_view, 4> kCurrencySymbols = {
    "$", "\xE2\x82\xAC" /* € */, "\xC2\xA3" /* £ */, "\xC2\xA5" /* ¥ */};
constexpr std::array<std::string_view, 11> kCurrencyCodes = {
    "usd", "eur", "gbp", "chf", "cad", "aud", "jpy", "sek", "nok", "dkk", "inr"};

// Removes one currency marker at the front of `s`; returns true when one was removed.
bool strip_currency_front(std::string_view& s) {
  for (auto sym : kCurrencySymbols) {
    if (s.substr(0, sym.size()) == sym) {
      s = trim(s.substr(sym.size()));
      return true;
    }
  }
  if (s.size() >= 3 && (s.size() == 3 || !is_alpha(s[3]))) {
    for (auto code : kCurrencyCodes) {
      if (iequals(s.substr(0, 3), code)) {
        s = trim(s.substr(3));
        return true;
      }
    }
  }
  return false;
}

struct Amount {
  double value = 0;
  double multiplier = 1;
  bool has_multiplier = false;
};

std::optional<Amount> parse_amount(std::string_view s) {
  s = trim(s);
  strip_currency_front(s);
  std::string number;
  std::size_t i = 0;
  std::size_t group = 0;
  bool saw_comma = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (is_digit(c)) {
      number.push_back(c);
      ++group;
    } else if (c == ',') {
      // Only thousands grouping: "1,5" is ambiguous across locales, so it is refused.
      if (group == 0 || (saw_comma ? group != 3 : group > 3)) return std::nullopt;
      saw_comma = true;
      group = 0;
    } else {
      break;
    }
  }
  if (number.empty() || (saw_comma && group != 3)) return std::nullopt;
  if (i < s.size() && s[i] == '.') {
    number.push_back('.');
    ++i;
    std::size_t frac = 0;
    for (; i < s.size() && is_digit(s[i]); ++i, ++frac) number.push_back(s[i]);
    if (frac == 0) return std::nullopt;
  }
  Amount a;
  auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), a.value);
  if (ec != std::errc() || ptr != number.data() + number.size() || !std::isfinite(a.value))
    return std::nullopt;

  std::string_view rest = trim(s.substr(i));
  auto take_word = [&](std::string_view word, double mult) {
    if (rest.size() < word.size() || !iequals(rest.substr(0, word.size()), word)) return false;
    if (rest.size() > word.size() && is_alpha(rest[word.size()])) return false;
    a.multiplier = mult;
    a.has_multiplier = true;
    rest = trim(rest.substr(word.size()));
    return true;
  };
  // Longest first so "mm" is not read as "m" followed by garbage.
  take_word("mm", 1e6) || take_word("m", 1e6) || take_word("k", 1e3) || take_word("bn", 1e9) ||
      take_word("b", 1e9);
  if (!rest.empty() && rest.front() == '+') rest = trim(rest.substr(1));
  if (!rest.empty()) strip_currency_front(rest);
  if (!rest.empty()) return std::nullopt;
  return a;
}

// ---- field mapping ----------------------------------------------------------------------

bool is_text_field(std::string_view name) {
  return name == "name" || name == "email" || name == "company" || name == "message" ||
         name == "phone";
}

// One answer before mapping: the provider's ref/key and its value.
struct RawAnswer {
  std::string ref;
  bj::value value;
};

struct Mapped {
  bj::object fields;
  bj::object extra;
};

[[nodiscard]] Expected<void> put_quantity(bj::object& fields, const std::string& name,
                                          const bj::value& v) {
  if (v.is_string()) {
    auto text = trim(v.get_string());
    if (text.empty()) return {};
    fields[name + "_text"] = text;
    if (auto q = parse_quantity(text)) {
      double d = *q;
      if (d == std::trunc(d) && d < 9.0e18)
        fields[name] = static_cast<std::int64_t>(d);
      else
        fields[name] = d;
    }
    return {};
  }
  std::optional<double> num;
  if (v.is_int64()) num = static_cast<double>(v.get_int64());
  if (v.is_uint64()) num = static_cast<double>(v.get_uint64());
  if (v.is_double()) num = v.get_double();
  if (!num) return fail(Errc::kInvalidInput, "field '" + name + "' must be a number or text");
  if (!std::isfinite(*num) || *num < 0)
    return fail(Errc::kInvalidInput, "field '" + name + "' must not be negative");
  fields[name] = v;
  return {};
}

[[nodiscard]] Expected<void> put_field(bj::object& fields, const std::string& name,
                                       const bj::value& v) {
  if (v.is_null()) return {};
  if (is_text_field(name)) {
    if (!v.is_string()) return fail(Errc::kInvalidInput, "field '" + name + "' must be text");
    auto text = trim(v.get_string());
    if (!text.empty()) fields[name] = text;
    return {};
  }
  if (name == "employees" || name == "budget") return put_quantity(fields, name, v);
  fields[name] = v;
  return {};
}

[[nodiscard]] Expected<Mapped> map_answers(const FormConfig& form,
                                           const std::vector<RawAnswer>& answers) {
  // provider ref → canonical names (several canonical names may share one ref).
  std::multimap<std::string, std::string> by_ref;
  for (const auto& [canonical, ref] : effective_refs(form)) by_ref.emplace(ref, canonical);

  Mapped out;
  for (const auto& answer : answers) {
    auto [lo, hi] = by_ref.equal_range(answer.ref);
    if (lo == hi) {
      if (!answer.value.is_null()) out.extra[answer.ref] = answer.value;
      continue;
    }
    for (auto it = lo; it != hi; ++it) {
      auto ok = put_field(out.fields, it->second, answer.value);
      if (!ok) return Unexpected(ok.error());
    }
  }

  auto email = json::get_string(out.fields, "email");
  if (!email) return fail(Errc::kInvalidInput, "missing email");
  if (!is_email_address(*email))
    return fail(Errc::kInvalidInput, "field 'email' is not a valid email address");
  out.fields["email"] = lower(*email);
  return out;
}

// Optional string member: absent/null → nullopt; another type → error.
[[nodiscard]] Expected<std::optional<std::string>> optional_string(const bj::object& obj,
                                                                   std::string_view key,
                                                                   std::string_view where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->value().is_null()) return std::optional<std::string>{};
  if (!it->value().is_string())
    return fail(Errc::kInvalidInput, std::string(where) + std::string(key) + " must be a string");
  return std::optional<std::string>(std::string(it->value().get_string()));
}

[[nodiscard]] Expected<bj::object> optional_hidden(const bj::object& obj, std::string_view where) {
  auto it = obj.find("hidden");
  if (it == obj.end() || it->value().is_null()) return bj::object{};
  if (!it->value().is_object())
    return fail(Errc::kInvalidInput, std::string(where) + "hidden must be an object");
  return it->value().get_object();
}

bj::value or_null(const std::optional<std::string>& s) {
  return s ? bj::value(*s) : bj::value(nullptr);
}

struct Common {
  std::optional<std::string> event_id;
  std::optional<std::string> token;
  std::optional<std::string> submitted_at;
  bj::object hidden;
};

// token, submitted_at and hidden: the same keys in every provider's body, under `where`.
[[nodiscard]] Expected<void> read_common(const bj::object& obj, std::string_view where,
                                         Common& common) {
  auto token = optional_string(obj, "token", where);
  if (!token) return Unexpected(token.error());
  common.token = *token;
  auto submitted = optional_string(obj, "submitted_at", where);
  if (!submitted) return Unexpected(submitted.error());
  common.submitted_at = *submitted;
  auto hidden = optional_hidden(obj, where);
  if (!hidden) return Unexpected(hidden.error());
  common.hidden = std::move(*hidden);
  return {};
}

Event make_event(const FormConfig& form, std::string_view provider, std::string_view raw_body,
                 Common common, Mapped mapped) {
  Event ev;
  ev.source = "forms";
  ev.kind = "form.submitted";
  ev.actor = std::string(mapped.fields["email"].get_string());
  std::string id = common.event_id ? *common.event_id
                   : common.token  ? *common.token
                                   : connectors::to_hex(connectors::sha256(raw_body));
  ev.dedupe_key = "form:" + form.name + ":" + id;
  ev.payload["form"] = form.name;
  ev.payload["provider"] = provider;
  ev.payload["provider_event_id"] = or_null(common.event_id);
  ev.payload["response_token"] = or_null(common.token);
  ev.payload["submitted_at"] = or_null(common.submitted_at);
  ev.payload["fields"] = std::move(mapped.fields);
  ev.payload["hidden"] = std::move(common.hidden);
  ev.payload["extra"] = std::move(mapped.extra);
  return ev;
}

// ---- Typeform ---------------------------------------------------------------------------

[[nodiscard]] Expected<bj::value> typeform_value(const bj::object& answer, const std::string& type,
                                                 const std::string& where) {
  auto it = answer.find(type);
  auto wrong = [&](std::string_view what) {
    return fail(Errc::kInvalidInput,
                where + " of type " + type + " must hold " + std::string(what));
  };
  if (type == "text" || type == "email" || type == "url" || type == "date" ||
      type == "phone_number" || type == "file_url") {
    if (it == answer.end() || !it->value().is_string()) return wrong("a string");
    return it->value();
  }
  if (type == "number") {
    if (it == answer.end() || !it->value().is_number()) return wrong("a number");
    return it->value();
  }
  if (type == "boolean") {
    if (it == answer.end() || !it->value().is_bool()) return wrong("a boolean");
    return it->value();
  }
  if (type == "choice") {
    if (it == answer.end() || !it->value().is_object()) return wrong("an object");
    const auto& c = it->value().get_object();
    // "other" is the free text a respondent typed instead of picking a label.
    if (auto label = json::get_string(c, "label")) return bj::value(*label);
    if (auto other = json::get_string(c, "other")) return bj::value(*other);
    return wrong("a label");
  }
  if (type == "choices") {
    if (it == answer.end() || !it->value().is_object()) return wrong("an object");
    const auto& c = it->value().get_object();
    bj::array labels;
    if (auto lit = c.find("labels"); lit != c.end()) {
      if (!lit->value().is_array()) return wrong("a labels array");
      for (const auto& l : lit->value().get_array()) {
        if (!l.is_string()) return wrong("string labels");
        labels.push_back(l);
      }
    }
    if (auto other = json::get_string(c, "other")) labels.emplace_back(*other);
    return bj::value(std::move(labels));
  }
  // payment, multi_format and types Typeform adds later: keep the raw value when present.
  if (it == answer.end()) return bj::value(nullptr);
  return it->value();
}

}  // namespace

std::map<std::string, std::string> effective_refs(const FormConfig& form) {
  std::map<std::string, std::string> refs;
  for (auto f : kDefaultFields) refs.emplace(std::string(f), std::string(f));
  for (const auto& [canonical, ref] : form.refs) refs[canonical] = ref;
  return refs;
}

std::optional<double> parse_quantity(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  // Range separators; a leading '-' is a sign, which is refused by parse_amount.
  std::size_t sep = std::string_view::npos;
  std::size_t sep_len = 0;
  for (std::string_view s : {std::string_view("-"), std::string_view("\xE2\x80\x93"),
                             std::string_view("\xE2\x80\x94"), std::string_view(" to ")}) {
    auto p = text.find(s, 1);
    if (p != std::string_view::npos && p < sep) {
      sep = p;
      sep_len = s.size();
    }
  }
  double value = 0;
  if (sep == std::string_view::npos) {
    auto a = parse_amount(text);
    if (!a) return std::nullopt;
    value = a->value * a->multiplier;
  } else {
    auto lo = parse_amount(text.substr(0, sep));
    auto hi = parse_amount(text.substr(sep + sep_len));
    if (!lo || !hi) return std::nullopt;
    value = lo->value * (lo->has_multiplier ? lo->multiplier : hi->multiplier);
  }
  // 300 digits and "bn" overflow to infinity, which JSON cannot carry (the stored payload would
  // no longer parse).
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

[[nodiscard]] Expected<Event> parse_typeform(const FormConfig& form, std::string_view raw_body) {
  auto root = json::parse_object(raw_body, kMaxJsonDepth);
  if (!root) return Unexpected(root.error());

  auto event_type = json::get_string(*root, "event_type");
  if (!event_type) return fail(Errc::kInvalidInput, "missing event_type");
  if (*event_type == "form_response_partial")
    return fail(Errc::kInvalidInput,
                "event_type 'form_response_partial' is not accepted: only complete responses "
                "(form_response)");
  if (*event_type != "form_response")
    return fail(Errc::kInvalidInput,
                "event_type must be 'form_response', got '" + event_type->substr(0, 64) + "'");

  Common common;
  auto event_id = optional_string(*root, "event_id", "");
  if (!event_id) return Unexpected(event_id.error());
  common.event_id = *event_id;

  const bj::object* response = json::get_object(*root, "form_response");
  if (!response) return fail(Errc::kInvalidInput, "missing form_response");
  if (auto read = read_common(*response, "form_response.", common); !read)
    return Unexpected(read.error());

  auto ait = response->find("answers");
  if (ait == response->end() || ait->value().is_null())
    return fail(Errc::kInvalidInput, "missing form_response.answers");
  if (!ait->value().is_array())
    return fail(Errc::kInvalidInput, "form_response.answers must be an array");

  std::vector<RawAnswer> answers;
  std::size_t index = 0;
  for (const auto& item : ait->value().get_array()) {
    std::string where = "form_response.answers[" + std::to_string(index++) + "]";
    if (!item.is_object()) return fail(Errc::kInvalidInput, where + " must be an object");
    const auto& answer = item.get_object();
    auto type = json::get_string(answer, "type");
    if (!type) return fail(Errc::kInvalidInput, where + ".type must be a string");
    const bj::object* field = json::get_object(answer, "field");
    if (!field) return fail(Errc::kInvalidInput, where + ".field must be an object");
    // `ref` is the stable key; `id` is the fallback for fields created without one.
    auto ref = json::get_string(*field, "ref");
    if (!ref) ref = json::get_string(*field, "id");
    if (!ref || ref->empty())
      return fail(Errc::kInvalidInput, where + ".field has neither ref nor id");
    auto value = typeform_value(answer, *type, where + " (ref '" + ref->substr(0, 64) + "')");
    if (!value) return Unexpected(value.error());
    answers.push_back(RawAnswer{*ref, std::move(*value)});
  }

  auto mapped = map_answers(form, answers);
  if (!mapped) return Unexpected(mapped.error());
  return make_event(form, "typeform", raw_body, std::move(common), std::move(*mapped));
}

[[nodiscard]] Expected<Event> parse_json_submission(const FormConfig& form,
                                                    std::string_view raw_body) {
  auto root = json::parse_object(raw_body, kMaxJsonDepth);
  if (!root) return Unexpected(root.error());

  Common common;
  for (std::string_view key : {std::string_view("event_id"), std::string_view("id")}) {
    auto it = root->find(key);
    if (it == root->end() || it->value().is_null()) continue;
    const auto& v = it->value();
    if (v.is_string() && !v.get_string().empty())
      common.event_id = std::string(v.get_string());
    else if (v.is_int64())
      common.event_id = std::to_string(v.get_int64());
    else if (v.is_uint64())
      common.event_id = std::to_string(v.get_uint64());
    else
      return fail(Errc::kInvalidInput,
                  std::string(key) + " must be a non-empty string or an integer");
    break;
  }
  if (auto read = read_common(*root, "", common); !read) return Unexpected(read.error());

  std::vector<RawAnswer> answers;
  if (auto fit = root->find("fields"); fit != root->end()) {
    if (!fit->value().is_object()) return fail(Errc::kInvalidInput, "fields must be an object");
    for (const auto& kv : fit->value().get_object())
      answers.push_back(RawAnswer{std::string(kv.key()), kv.value()});
  } else {
    for (const auto& kv : *root) {
      auto k = kv.key();
      if (k == "event_id" || k == "id" || k == "token" || k == "submitted_at" || k == "hidden")
        continue;
      answers.push_back(RawAnswer{std::string(k), kv.value()});
    }
  }

  auto mapped = map_answers(form, answers);
  if (!mapped) return Unexpected(mapped.error());
  return make_event(form, "json", raw_body, std::move(common), std::move(*mapped));
}

[[nodiscard]] Expected<Event> parse_submission(const FormConfig& form, std::string_view raw_body) {
  switch (form.format) {
    case Format::kTypeform: return parse_typeform(form, raw_body);
    case Format::kJson: return parse_json_submission(form, raw_body);
  }
  return fail(Errc::kInternal, "unknown form format");
}

}  // namespace steward::forms
