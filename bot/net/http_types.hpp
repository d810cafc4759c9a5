#pragma once
// Transport-neutral HTTP request/response values. Connectors see only these, never Beast.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bot/core/clock.hpp"
#include "bot/core/expected.hpp"

namespace steward::net {

/// One complete inbound request. Header names are lower-cased; `body` holds the raw bytes
/// exactly as received (signatures are computed over them).
struct HttpRequest {
  std::string method;                          ///< "GET", "POST", …
  std::string target;                          ///< as sent: path + optional "?query"
  std::string path;                            ///< target without the query
  std::string query;                           ///< text after '?', undecoded
  std::map<std::string, std::string> headers;  ///< lower-case name → value (last one wins)
  std::map<std::string, std::string> params;   ///< route parameters, e.g. {"name": "website"}
  std::string body;
  std::string remote;  ///< peer address "ip:port"
  TimePoint received_at{};

  /// Header value or empty when absent; `name` must be lower-case.
  [[nodiscard]] std::string_view header(std::string_view name) const {
    auto it = headers.find(std::string(name));
    return it == headers.end() ? std::string_view{} : std::string_view(it->second);
  }
  [[nodiscard]] std::string_view param(std::string_view name) const {
    auto it = params.find(std::string(name));
    return it == params.end() ? std::string_view{} : std::string_view(it->second);
  }
};

/// The answer. `content_type` defaults to JSON.
struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers

  static HttpResponse json(int status, std::string body) {
    return HttpResponse{status, "application/json", std::move(body), {}};
  }
  static HttpResponse text(int status, std::string body) {
    return HttpResponse{status, "text/plain; charset=utf-8", std::move(body), {}};
  }
};

/// The one Errc → HTTP status map (400/401/403/404/409/413/415/429/503/504/500).
int http_status(Errc code) noexcept;

/// An error as a response: {"ok":false,"error":"<errc name>","message":"…"}, status from
/// http_status(), and Retry-After when the error carries one.
HttpResponse error_response(const Error& error);

/// Completes a request. May be called from any thread, exactly once.
using Respond = std::function<void(HttpResponse)>;
/// Handles a request. Called on an I/O thread: must not block; hand slow work to the worker
/// pool and call `respond` from there.
using Handler = std::function<void(HttpRequest&& request, Respond respond)>;

}  // namespace steward::net
