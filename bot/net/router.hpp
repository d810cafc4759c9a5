#pragma once
// Method + path-pattern routing for the inbound HTTP server. No Beast here: connectors and the
// runtime register their handlers through this small value type.

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/expected.hpp"
#include "bot/net/http_types.hpp"

namespace steward::net {

/// A table of (method, pattern) → handler.
///
/// Patterns are absolute paths made of literal segments and `{name}` segments, e.g.
/// "/hooks/forms/{name}". A `{name}` segment matches exactly one non-empty path segment; its value
/// is percent-decoded into Match::params. "/" matches only the root. Trailing slashes are
/// significant ("/healthz/" does not match "/healthz").
///
/// When several patterns match a path, the most specific wins: at the first segment where they
/// differ, a literal beats a parameter; among equals the first added wins.
///
/// @par Thread safety: add() is not thread-safe and must finish before the server starts;
/// match() / allowed_methods() are const and safe to call concurrently.
class Router {
 public:
  /// Registers a route. `method` is compared case-sensitively ("GET", "POST", …).
  /// `body_limit`: max request body bytes for this route (default: the server's
  /// ServerOptions::default_body_limit). `route_name`: label for metrics (default: the pattern).
  /// A pattern that does not start with '/' is stored but never matches.
  void add(std::string method, std::string pattern, Handler handler,
           std::optional<std::size_t> body_limit = std::nullopt, std::string route_name = {});

  /// The result of a successful match. `handler` points into the router and stays valid as
  /// long as the router lives and no further add() is made.
  struct Match {
    const Handler* handler = nullptr;
    std::map<std::string, std::string> params;
    std::optional<std::size_t> body_limit;
    std::string route;  ///< metrics label (route_name or pattern)
  };

  /// Finds the handler for `method` + `path` (path without the query string).
  /// Errors: kNotFound when no pattern matches the path (→ 404);
  /// kInvalidInput with message "method not allowed" when a pattern matches the path but none
  /// for this method (→ the server answers 405 with `Allow: allowed_methods(path)`).
  [[nodiscard]] Expected<Match> match(std::string_view method, std::string_view path) const;

  /// Methods of every route whose pattern matches `path`, sorted and de-duplicated
  /// (empty when the path is unknown). Used for the `Allow` header of a 405.
  [[nodiscard]] std::vector<std::string> allowed_methods(std::string_view path) const;

  /// Number of registered routes.
  [[nodiscard]] std::size_t size() const noexcept { return routes_.size(); }

 private:
  struct Segment {
    std::string text;
    bool is_param = false;
  };
  struct Route {
    std::string method;
    std::string pattern;
    bool valid = true;
    std::vector<Segment> segments;
    Handler handler;
    std::optional<std::size_t> body_limit;
    std::string label;
  };

  /// True when `route` matches the split path; fills `params` when non-null.
  static bool matches(const Route& route, const std::vector<std::string_view>& parts,
                      std::map<std::string, std::string>* params);

  std::deque<Route> routes_;  // deque: Match::handler pointers stay valid across add()
};

}  // namespace steward::net
