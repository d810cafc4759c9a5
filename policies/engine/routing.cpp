#include "policies/engine/routing.hpp"

#include <utility>
#include <vector>

#include "bot/core/json.hpp"

namespace steward::policies {

namespace {

struct Route {
  std::string id;
  std::string event;  // kind pattern
  Clause when;
  std::string agent;
  std::uint32_t line = 0;
};

FieldLookup event_lookup(const Event& event) {
  return [&event](std::string_view field) -> std::optional<boost::json::value> {
    if (field == "event.source") return boost::json::value(event.source);
    if (field == "event.kind") return boost::json::value(event.kind);
    if (field == "event.actor") return boost::json::value(event.actor);
    if (const auto* v = json::find_path(event.payload, field); v && !v->is_null()) return *v;
    return std::nullopt;
  };
}

[[nodiscard]] Expected<Route> parse_route(const toml::table& t, std::string_view file,
                                          const Vars& vars) {
  cfg::Reader r(t, std::string(file));
  Route route;
  route.line = r.line();
  route.id = r.required_string("id");
  route.event = r.required_string("event");
  if (!valid_kind_pattern(route.event)) {
    r.fail("event", "expected an event kind (\"form.submitted\"), a prefix (\"form.*\") or \"*\"");
  }
  if (const auto* when = r.node("when")) {
    if (auto ok = r.status(); !ok) return Unexpected(ok.error());
    auto clause = parse_when(*when, file, vars);
    if (!clause) return Unexpected(clause.error());
    route.when = std::move(*clause);
  }
  route.agent = r.required_string("agent");
  if (auto done = r.finish(); !done) return Unexpected(done.error());
  return route;
}

}  // namespace

struct Routing::Impl {
  std::string label;
  std::vector<Route> routes;
};

Expected<Routing> Routing::load_file(const std::filesystem::path& path, const Vars& vars) {
  auto text = read_text_file(path.string());
  if (!text) return Unexpected(text.error());
  auto routing = load_string(*text, path.string(), vars);
  if (!routing) return Unexpected(routing.error());
  auto impl = std::make_shared<Impl>(*routing->impl_);
  impl->label = path.filename().string();
  return Routing(std::move(impl));
}

Expected<Routing> Routing::load_string(std::string_view toml, std::string_view file_label,
                                       const Vars& vars) {
  auto doc = cfg::parse_text(toml, file_label);
  if (!doc) return Unexpected(doc.error());
  auto impl = std::make_shared<Impl>();
  impl->label = std::string(file_label);
  auto routes = parse_entries<Route>(*doc, file_label, "route", [&](const toml::table& t) {
    return parse_route(t, file_label, vars);
  });
  if (!routes) return Unexpected(routes.error());
  impl->routes = std::move(*routes);
  return Routing(std::move(impl));
}

std::optional<RouteMatch> Routing::route(const Event& event) const {
  auto lookup = event_lookup(event);
  for (const auto& r : impl_->routes) {
    if (!kind_matches(r.event, event.kind)) continue;
    if (!evaluate(r.when, lookup).holds) continue;
    return RouteMatch{r.id, r.agent, impl_->label + "#" + r.id};
  }
  return std::nullopt;
}

std::string Routing::explain(const Event& event) const {
  auto lookup = event_lookup(event);
  std::string out = "Event: " + event.kind + " from " + event.source + "\n";
  for (std::size_t i = 0; i < impl_->routes.size(); ++i) {
    const auto& r = impl_->routes[i];
    std::string head =
        "  " + std::to_string(i + 1) + ". " + r.id + " (" + r.event + " → " + r.agent + ")";
    if (!kind_matches(r.event, event.kind)) {
      out += head + ": skipped, event kind does not match\n";
      continue;
    }
    auto outcome = evaluate(r.when, lookup);
    out += head + (outcome.holds ? ": MATCHED\n" : ": no match\n");
    for (std::size_t k = 0; k < outcome.details.size(); ++k) {
      bool failed = !outcome.holds && k + 1 == outcome.details.size();
      out += std::string("       ") + (failed ? "✗ " : "✓ ") + outcome.details[k] + "\n";
    }
    if (outcome.holds) {
      out += "Routed to: " + r.agent + " (" + impl_->label + "#" + r.id + ")\n";
      return out;
    }
  }
  out += "No route matched; no agent handles this event.\n";
  return out;
}

std::size_t Routing::size() const noexcept { return impl_->routes.size(); }

}  // namespace steward::policies
