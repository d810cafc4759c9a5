// The inbound HTTP request path without sockets: the bytes go through a Beast
// request_parser<string_body> configured as bot/net/http_server.cpp does (16 KiB header limit,
// no body limit until the route is known, then the route's or the default 1 MiB limit, a
// Content-Length above it refused before the body), then net::Router::match() /
// allowed_methods() on Steward's real route table, the HttpRequest built as the server builds
// it, the matched Handler called, and net::error_response() / http_status() on the outcome.
// Each input is parsed twice: in one buffer and fed in 7-byte pieces (as a socket might).
//
// Input: raw HTTP/1.1 request bytes.
//
// Invariants: a match's method is the request's and allowed_methods() lists it; "method not
// allowed" only for a known path, kNotFound only for an unknown one; route parameters are
// non-empty; error_response() is valid JSON with ok:false and the error's status; both feeding
// modes agree on every complete outcome.

#include <algorithm>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "bot/core/json.hpp"
#include "bot/net/http_types.hpp"
#include "bot/net/router.hpp"
#include "tests/fuzz/fuzz_util.hpp"

namespace {

using namespace steward;
namespace http = boost::beast::http;

constexpr std::size_t kHeaderLimit = 16 * 1024;
constexpr std::size_t kDefaultBodyLimit = 1 << 20;
constexpr std::size_t kEmailBodyLimit = 10 << 20;

/// The routes bot/main.cpp registers, with handlers that answer from the request alone.
const net::Router& router() {
  static const net::Router kRouter = [] {
    net::Router r;
    auto echo = [](net::HttpRequest&& req, net::Respond respond) {
      boost::json::object o{{"path", req.path}, {"query", req.query}};
      for (const auto& [k, v] : req.params) o[k] = v;
      respond(net::HttpResponse::json(200, json::dump(o)));
    };
    r.add("GET", "/healthz", echo);
    r.add("GET", "/readyz", echo);
    r.add("GET", "/metrics", echo);
    r.add("GET", "/", echo, std::nullopt, "dashboard");
    r.add("GET", "/api/v1/approvals", echo);
    r.add("POST", "/api/v1/approvals/{id}/{decision}", echo);
    r.add("GET", "/api/v1/events/{id}", echo);
    r.add("POST", "/hooks/forms/{name}", echo);
    r.add("POST", "/hooks/email/{provider}", echo, kEmailBodyLimit, "email");
    r.add("POST", "/hooks/crm/{provider}", echo);
    r.add("POST", "/hooks/metrics/{site}", echo, 64 * 1024);
    r.add("POST", "/slack/events", echo);
    r.add("POST", "/slack/commands", echo);
    r.add("POST", "/slack/interactivity", echo);
    r.add("GET", "/hooks/forms/{name}", echo);  // a second method on a parameter route
    r.add("PUT", "not-absolute", echo);         // stored, never matches
    return r;
  }();
  return kRouter;
}

void check_error_response(const Error& error) {
  net::HttpResponse res = net::error_response(error);
  fuzz::require(res.status == net::http_status(error.code), "error status differs");
  fuzz::require(res.status >= 400 && res.status <= 599, "error status out of range");
  boost::system::error_code ec;
  auto v = boost::json::parse(res.body, ec);
  fuzz::require(!ec && v.is_object(), "error_response body is not a JSON object");
  const auto& o = v.get_object();
  fuzz::require(o.contains("ok") && o.at("ok") == false, "error_response without ok:false");
  const bool has_retry = std::any_of(res.headers.begin(), res.headers.end(),
                                     [](const auto& h) { return h.first == "Retry-After"; });
  fuzz::require(has_retry == error.retry_after.has_value(), "Retry-After mismatch");
}

/// What happened to one request; compared between the two feeding modes.
struct Outcome {
  int status = 0;  // 0: incomplete input (the connection would wait or close)
  std::string route;
  std::string response;
  bool operator==(const Outcome&) const = default;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

Outcome run(std::string_view input, std::size_t piece) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(kHeaderLimit));
  parser.body_limit(boost::none);
  std::optional<net::Router::Match> match;
  Outcome out;

  std::size_t pos = 0;
  std::size_t avail = std::min(piece, input.size());
  boost::beast::error_code ec;
  for (int guard = 0; guard < 1'000'000; ++guard) {
    const std::size_t n =
        parser.put(boost::asio::const_buffer(input.data() + pos, avail - pos), ec);
    pos += n;
    if (ec == http::error::need_more) {
      ec = {};
      if (avail == input.size()) return out;  // truncated: the server waits, then times out
      avail = std::min(avail + piece, input.size());
      continue;
    }
    if (ec == http::error::header_limit) {
      out.status = 431;
      return out;
    }
    if (ec == http::error::body_limit) {
      out.status = 413;
      return out;
    }
    if (ec) {
      out.status = 400;
      return out;
    }
    if (parser.is_header_done() && !match) {
      const auto& msg = parser.get();
      const std::string_view target(msg.target().data(), msg.target().size());
      const std::string_view path = target.substr(0, target.find('?'));
      const std::string_view method(msg.method_string().data(), msg.method_string().size());
      auto m = router().match(method, path);
      const auto allowed = router().allowed_methods(path);
      const bool listed = std::find(allowed.begin(), allowed.end(), method) != allowed.end();
      if (!m) {
        check_error_response(m.error());
        if (m.error().code == Errc::kNotFound) {
          fuzz::require(allowed.empty(), "404 for a path with routes");
          out.status = 404;
        } else {
          fuzz::require(m.error().code == Errc::kInvalidInput, "router error kind");
          fuzz::require(!allowed.empty() && !listed, "405 but the method is allowed");
          out.status = 405;
        }
        return out;
      }
      fuzz::require(m->handler != nullptr, "match without handler");
      fuzz::require(listed, "matched method missing from allowed_methods");
      for (const auto& [k, v] : m->params) fuzz::require(!v.empty(), "empty route parameter");
      out.route = m->route;
      match = std::move(*m);
      const std::size_t limit = match->body_limit.value_or(kDefaultBodyLimit);
      if (const auto length = parser.content_length(); length && *length > limit) {
        out.status = 413;
        return out;
      }
      parser.body_limit(static_cast<std::uint64_t>(limit));
    }
    if (parser.is_done()) break;
    if (pos == avail) {
      if (avail == input.size()) return out;  // body still expected
      avail = std::min(avail + piece, input.size());
    }
  }
  if (!parser.is_done() || !match) return out;

  auto msg = parser.release();
  net::HttpRequest req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  const auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  for (const auto& field : msg)
    req.headers[lower(field.name_string())] = std::string(field.value());
  req.params = match->params;
  req.body = std::move(msg.body());
  (void)req.header("content-type");
  (void)req.param("name");

  bool answered = false;
  (*match->handler)(std::move(req), [&](net::HttpResponse res) {
    answered = true;
    out.status = res.status;
    out.response = std::move(res.body);
  });
  fuzz::require(answered, "handler did not answer");
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = fuzz::as_text(data, size);
  const Outcome whole = run(input, input.size() == 0 ? 1 : input.size());
  const Outcome pieces = run(input, 7);
  // Beast may spot a malformed header line before the header is complete in one mode and only
  // wait for more bytes in the other; the server then answers 400 or times out. Both are fine,
  // so only complete outcomes are compared.
  const bool comparable = whole.status != 0 && pieces.status != 0;
  if (comparable && !(whole == pieces))
    std::fprintf(stderr, "whole: %d %s | pieces: %d %s\n", whole.status, whole.route.c_str(),
                 pieces.status, pieces.route.c_str());
  fuzz::require(!comparable || whole == pieces,
                "parsing in pieces differs from parsing in one buffer");

  // Every error kind as a response, with (a bounded part of) the input as its message.
  static constexpr Errc kAll[] = {
      Errc::kInvalidInput, Errc::kUnauthenticated, Errc::kForbidden,        Errc::kNotFound,
      Errc::kConflict,     Errc::kTooLarge,        Errc::kUnsupportedMedia, Errc::kRateLimited,
      Errc::kUnavailable,  Errc::kTimeout,         Errc::kPermanent,        Errc::kInternal};
  const std::string message(input.substr(0, 256));
  for (Errc code : kAll) {
    std::optional<std::chrono::seconds> retry;
    if (code == Errc::kRateLimited || code == Errc::kUnavailable)
      retry = std::chrono::seconds(static_cast<std::int64_t>(size) - 5);
    check_error_response(Error{code, message, retry});
  }
  return 0;
}
