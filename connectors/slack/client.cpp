#include "connectors/slack/client.hpp"

#include <httplib.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>
#include <thread>

#include "bot/core/json.hpp"
#include "bot/core/printable.hpp"
#include "bot/core/text.hpp"

namespace steward::slack {

namespace {

constexpr std::string_view kJsonContentType = "application/json; charset=utf-8";
constexpr std::chrono::seconds kDefaultRetryAfter{1};
constexpr std::chrono::seconds kMaxRetryAfter{24 * 3600};
constexpr std::size_t kMaxPacedChannels = 4096;

/// Retry-After in delta-seconds; absent, garbled or zero → 1 s (an HTTP-date is not worth
/// parsing: Slack sends seconds).
std::chrono::seconds parse_retry_after(std::string_view v) {
  v = trim(v);
  long long s = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), s);
  if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || s <= 0)
    return kDefaultRetryAfter;
  return std::min(std::chrono::seconds(s), kMaxRetryAfter);
}

bool transient_slack_error(std::string_view code) {
  return code == "internal_error" || code == "fatal_error" || code == "service_unavailable" ||
         code == "request_timeout";
}

Error map_slack_error(std::string_view what, std::string_view code, std::string_view retry_after) {
  std::string message =
      std::string(what) + ": " + std::string(code.empty() ? "unknown_error" : code);
  if (code == "ratelimited" || code == "rate_limited")
    return Error{Errc::kRateLimited, message, parse_retry_after(retry_after)};
  if (transient_slack_error(code)) return Error{Errc::kUnavailable, message, std::nullopt};
  return Error{Errc::kPermanent, message, std::nullopt};
}

/// How much of a reply body an error message quotes (through printable()).
constexpr std::size_t kMaxExcerpt = 80;

}  // namespace

[[nodiscard]] Expected<UrlParts> split_url(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return fail(Errc::kInvalidInput, "not an absolute URL");
  boost::urls::url_view u = *parsed;
  UrlParts parts;
  parts.scheme = lower(u.scheme());
  if (parts.scheme != "http" && parts.scheme != "https")
    return fail(Errc::kInvalidInput, "URL scheme must be http or https");
  if (!u.has_authority() || u.encoded_host().empty())
    return fail(Errc::kInvalidInput, "URL without host");
  if (u.has_userinfo()) return fail(Errc::kInvalidInput, "URL with user info is not allowed");
  parts.host = std::string(u.encoded_host());
  if (u.has_port()) {
    auto port = u.port_number();
    if (port == 0) return fail(Errc::kInvalidInput, "URL with invalid port");
    parts.port = port;
  } else {
    parts.port = parts.scheme == "https" ? 443 : 80;
  }
  parts.path = std::string(u.encoded_path());
  if (parts.path.empty()) parts.path = "/";
  // Only the raw query text is used: iterating params() is unsafe on "?#" in Boost 1.81.
  if (u.has_query() && !u.encoded_query().empty())
    parts.path += "?" + std::string(u.encoded_query());
  return parts;
}

WebClient::WebClient(ClientOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock), api_(fail(Errc::kInvalidInput, "unset")) {
  auto parts = split_url(options_.api_base);
  if (!parts) {
    api_ = fail(Errc::kInvalidInput, "invalid Slack api_base: " + parts.error().message);
    return;
  }
  std::string prefix = parts->path;
  if (auto q = prefix.find('?'); q != std::string::npos) prefix.resize(q);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  api_ = Target{parts->scheme + "://" + parts->host + ":" + std::to_string(parts->port), prefix};
}

Expected<WebClient::Reply> WebClient::post_json(const Target& target, const std::string& body,
                                                bool with_auth, std::string_view what) {
  httplib::Client cli(target.origin);
  if (!cli.is_valid()) return fail(Errc::kInvalidInput, std::string(what) + ": unusable URL");
  cli.set_connection_timeout(options_.timeout);
  cli.set_read_timeout(options_.timeout);
  cli.set_write_timeout(options_.timeout);
  cli.set_follow_location(false);
  cli.set_keep_alive(false);
  // httplib writes headers and body separately; without NODELAY, Nagle and the peer's delayed
  // ACK add ~40 ms to every call.
  cli.set_tcp_nodelay(true);
  httplib::Headers headers;
  if (with_auth) {
    if (options_.bot_token.empty())
      return fail(Errc::kPermanent, std::string(what) + ": bot token not configured");
    headers.emplace("Authorization", "Bearer " + std::string(options_.bot_token.reveal()));
  }
  auto started = std::chrono::steady_clock::now();
  auto res = cli.Post(target.path, headers, body, std::string(kJsonContentType));
  if (!res) {
    auto err = res.error();
    auto elapsed = std::chrono::steady_clock::now() - started;
    std::string reason = std::string(what) + ": " + httplib::to_string(err);
    if (err == httplib::Error::ConnectionTimeout)
      return fail(Errc::kTimeout, std::string(what) + ": connect timeout");
    // cpp-httplib 0.11 reports a read timeout as a plain Read error; the elapsed time tells a
    // silent server from one that closed the connection.
    if (err == httplib::Error::Read && elapsed >= options_.timeout * 9 / 10)
      return fail(Errc::kTimeout, std::string(what) + ": no reply within " +
                                      std::to_string(options_.timeout.count()) + " ms");
    if (err == httplib::Error::SSLServerVerification || err == httplib::Error::SSLLoadingCerts)
      return fail(Errc::kPermanent, reason);
    return fail(Errc::kUnavailable, reason);
  }
  Reply reply;
  reply.status = res->status;
  reply.body = std::move(res->body);
  reply.retry_after = res->get_header_value("Retry-After");
  return reply;
}

Expected<void> WebClient::check_rate_gate(std::string_view method) {
  std::lock_guard lock(mutex_);
  auto it = blocked_until_.find(method);
  if (it == blocked_until_.end()) return {};
  auto now = clock_.now();
  if (now >= it->second) {
    blocked_until_.erase(it);
    return {};
  }
  auto left = std::chrono::ceil<std::chrono::seconds>(it->second - now);
  return fail(Errc::kRateLimited, std::string(method) + ": rate limited (waiting for Retry-After)",
              std::max(left, std::chrono::seconds(1)));
}

void WebClient::close_rate_gate(std::string_view method, std::chrono::seconds retry_after) {
  std::lock_guard lock(mutex_);
  auto until = clock_.now() + retry_after;
  auto it = blocked_until_.find(method);
  if (it == blocked_until_.end())
    blocked_until_.emplace(std::string(method), until);
  else
    it->second = std::max(it->second, until);
}

void WebClient::wait_for_channel_slot(std::string_view channel) {
  if (options_.channel_interval <= std::chrono::milliseconds::zero()) return;
  auto now = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point slot;
  {
    std::lock_guard lock(mutex_);
    if (next_slot_.size() > kMaxPacedChannels)
      std::erase_if(next_slot_, [now](const auto& kv) { return kv.second <= now; });
    auto it = next_slot_.find(channel);
    if (it == next_slot_.end()) it = next_slot_.emplace(std::string(channel), now).first;
    slot = std::max(now, it->second);
    it->second = slot + options_.channel_interval;
  }
  std::this_thread::sleep_until(slot);
}

Expected<boost::json::object> WebClient::call(std::string_view method,
                                              const boost::json::object& body) {
  if (!api_) return Unexpected(api_.error());
  if (auto gate = check_rate_gate(method); !gate) return Unexpected(gate.error());
  Target target{api_->origin, api_->path + "/" + std::string(method)};
  auto reply = post_json(target, json::dump(body), true, method);
  if (!reply) return Unexpected(reply.error());
  if (reply->status == 429) {
    auto wait = parse_retry_after(reply->retry_after);
    close_rate_gate(method, wait);
    return fail(Errc::kRateLimited, std::string(method) + ": HTTP 429", wait);
  }
  if (reply->status >= 500)
    return fail(Errc::kUnavailable,
                std::string(method) + ": HTTP " + std::to_string(reply->status));
  if (reply->status < 200 || reply->status >= 300)
    return fail(Errc::kPermanent, std::string(method) + ": HTTP " + std::to_string(reply->status));
  auto obj = json::parse_object(reply->body);
  if (!obj) return fail(Errc::kUnavailable, std::string(method) + ": malformed reply");
  auto ok = obj->find("ok");
  if (ok != obj->end() && ok->value().is_bool() && ok->value().get_bool()) return std::move(*obj);
  Error err = map_slack_error(method, json::string_or(*obj, "error"), reply->retry_after);
  if (err.code == Errc::kRateLimited && err.retry_after) close_rate_gate(method, *err.retry_after);
  return Unexpected(std::move(err));
}

Expected<AuthInfo> WebClient::auth_test() {
  auto reply = call("auth.test", boost::json::object{});
  if (!reply) return Unexpected(reply.error());
  AuthInfo info{json::string_or(*reply, "user_id"), json::string_or(*reply, "bot_id"),
                json::string_or(*reply, "team_id")};
  if (info.user_id.empty()) return fail(Errc::kPermanent, "auth.test: reply without user_id");
  return info;
}

Expected<PostedMessage> WebClient::post_message(std::string_view channel, std::string_view text,
                                                const boost::json::array& blocks,
                                                std::string_view thread_ts) {
  if (channel.empty()) return fail(Errc::kInvalidInput, "chat.postMessage: empty channel");
  if (!api_) return Unexpected(api_.error());
  if (auto gate = check_rate_gate("chat.postMessage"); !gate) return Unexpected(gate.error());
  boost::json::object body{{"channel", channel}, {"text", text}};
  if (!blocks.empty()) body["blocks"] = blocks;
  if (!thread_ts.empty()) body["thread_ts"] = thread_ts;
  wait_for_channel_slot(channel);
  auto reply = call("chat.postMessage", body);
  if (!reply) return Unexpected(reply.error());
  PostedMessage posted{json::string_or(*reply, "channel", channel), json::string_or(*reply, "ts")};
  // The message exists but we cannot address it; retrying would post it twice.
  if (posted.ts.empty()) return fail(Errc::kInternal, "chat.postMessage: reply without ts");
  return posted;
}

Expected<PostedMessage> WebClient::update_message(std::string_view channel, std::string_view ts,
                                                  std::string_view text,
                                                  const boost::json::array& blocks) {
  if (channel.empty() || ts.empty())
    return fail(Errc::kInvalidInput, "chat.update: channel and ts are required");
  boost::json::object body{{"channel", channel}, {"ts", ts}, {"text", text}, {"blocks", blocks}};
  auto reply = call("chat.update", body);
  if (!reply) return Unexpected(reply.error());
  return PostedMessage{json::string_or(*reply, "channel", channel),
                       json::string_or(*reply, "ts", ts)};
}

Expected<void> WebClient::post_ephemeral(std::string_view channel, std::string_view user,
                                         std::string_view text) {
  boost::json::object body{{"channel", channel}, {"user", user}, {"text", text}};
  auto reply = call("chat.postEphemeral", body);
  if (!reply) return Unexpected(reply.error());
  return {};
}

Expected<void> WebClient::respond(std::string_view response_url,
                                  const boost::json::object& message) {
  // The URL itself is a bearer capability: it never appears in errors.
  const std::string& base = options_.response_url_base;
  if (base.empty() || base.back() != '/' || response_url.size() <= base.size() ||
      response_url.compare(0, base.size(), base) != 0)
    return fail(Errc::kPermanent, "response_url is not on " + base + " (not sent)");
  auto parts = split_url(response_url);
  if (!parts) return fail(Errc::kInvalidInput, "response_url: " + parts.error().message);
  Target target{parts->scheme + "://" + parts->host + ":" + std::to_string(parts->port),
                parts->path};
  auto reply = post_json(target, json::dump(message), false, "response_url");
  if (!reply) return Unexpected(reply.error());
  auto obj = json::parse_object(reply->body);
  std::string code = obj ? json::string_or(*obj, "error") : std::string();
  if (reply->status == 429)
    return fail(Errc::kRateLimited, "response_url: HTTP 429",
                parse_retry_after(reply->retry_after));
  if (reply->status >= 500)
    return fail(Errc::kUnavailable, "response_url: HTTP " + std::to_string(reply->status));
  if (reply->status < 200 || reply->status >= 300)
    return fail(Errc::kPermanent, "response_url: HTTP " + std::to_string(reply->status) + " " +
                                      (code.empty() ? printable(reply->body, kMaxExcerpt) : code));
  if (obj) {
    auto ok = obj->find("ok");
    if (ok != obj->end() && ok->value().is_bool() && !ok->value().get_bool())
      return Unexpected(map_slack_error("response_url", code, reply->retry_after));
  }
  return {};
}

}  // namespace steward::slack
