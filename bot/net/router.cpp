#include "bot/net/router.hpp"

#include <algorithm>
#include <utility>

namespace steward::net {
namespace {

/// Splits "/a/b/c" into {"a","b","c"}; "/" into {}; "/a/" into {"a",""}. Nullopt when the path
/// is not absolute.
std::optional<std::vector<std::string_view>> split_path(std::string_view path) {
  if (path.empty() || path.front() != '/') return std::nullopt;
  std::vector<std::string_view> parts;
  if (path.size() == 1) return parts;
  std::size_t pos = 1;
  while (true) {
    const std::size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) {
      parts.push_back(path.substr(pos));
      break;
    }
    parts.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return parts;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Decodes %XX escapes; malformed escapes are kept literally ('+' stays '+': this is a path).
std::string percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(in[i]);
  }
  return out;
}

/// True when `a` is more specific than `b` (both match the same path, so same length).
bool more_specific(const std::vector<bool>& a, const std::vector<bool>& b) {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] != b[i]) return !a[i];  // literal (false) beats parameter (true)
  }
  return false;
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler,
                 std::optional<std::size_t> body_limit, std::string route_name) {
  Route route;
  route.method = std::move(method);
  route.label = route_name.empty() ? pattern : std::move(route_name);
  auto parts = split_path(pattern);
  if (!parts) {
    route.valid = false;
  } else {
    for (std::string_view part : *parts) {
      Segment seg;
      if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
        seg.is_param = true;
        seg.text = std::string(part.substr(1, part.size() - 2));
      } else {
        seg.text = std::string(part);
      }
      route.segments.push_back(std::move(seg));
    }
  }
  route.pattern = std::move(pattern);
  route.handler = std::move(handler);
  route.body_limit = body_limit;
  routes_.push_back(std::move(route));
}

bool Router::matches(const Route& route, const std::vector<std::string_view>& parts,
                     std::map<std::string, std::string>* params) {
  if (!route.valid || route.segments.size() != parts.size()) return false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const Segment& seg = route.segments[i];
    if (seg.is_param) {
      if (parts[i].empty()) return false;
    } else if (seg.text != parts[i]) {
      return false;
    }
  }
  if (params != nullptr) {
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (route.segments[i].is_param) {
        (*params)[route.segments[i].text] = percent_decode(parts[i]);
      }
    }
  }
  return true;
}

Expected<Router::Match> Router::match(std::string_view method, std::string_view path) const {
  auto parts = split_path(path);
  if (!parts) return fail(Errc::kNotFound, "no route");
  const Route* best = nullptr;
  std::vector<bool> best_shape;
  bool path_known = false;
  for (const Route& route : routes_) {
    if (!matches(route, *parts, nullptr)) continue;
    path_known = true;
    if (route.method != method) continue;
    std::vector<bool> shape;
    shape.reserve(route.segments.size());
    for (const Segment& seg : route.segments) shape.push_back(seg.is_param);
    if (best == nullptr || more_specific(shape, best_shape)) {
      best = &route;
      best_shape = std::move(shape);
    }
  }
  if (best == nullptr) {
    if (path_known) return fail(Errc::kInvalidInput, "method not allowed");
    return fail(Errc::kNotFound, "no route");
  }
  Match m;
  m.handler = &best->handler;
  matches(*best, *parts, &m.params);
  m.body_limit = best->body_limit;
  m.route = best->label;
  return m;
}

std::vector<std::string> Router::allowed_methods(std::string_view path) const {
  std::vector<std::string> out;
  auto parts = split_path(path);
  if (!parts) return out;
  for (const Route& route : routes_) {
    if (matches(route, *parts, nullptr)) out.push_back(route.method);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace steward::net
