#pragma once
// Transport-neutral HTTP request/response values. Connectors see only these, never Beast.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bot/core/expected.hpp"
#include "bot/core/http.hpp"

namespace steward::net {

// The values live in bot/core (the Connector interface names them); net keeps its names.
using steward::Handler;
using steward::HttpRequest;
using steward::HttpResponse;
using steward::Respond;

/// The one Errc → HTTP status map (400/401/403/404/409/413/415/429/503/504/500).
int http_status(Errc code) noexcept;

/// An error as a response: {"ok":false,"error":"<errc name>","message":"…"}, status from
/// http_status(), and Retry-After when the error carries one.
HttpResponse error_response(const Error& error);

}  // namespace steward::net
