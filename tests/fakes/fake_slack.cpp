#include "tests/fakes/fake_slack.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

namespace steward::fakes {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

boost::json::value parse_or_null(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec) return nullptr;
  return v;
}

const char* fault_name(FaultKind k) {
  switch (k) {
    case FaultKind::k429: return "429";
    case FaultKind::k500: return "500";
    case FaultKind::kHang: return "hang";
    case FaultKind::kClose: return "close";
    case FaultKind::kReset: return "reset";
    case FaultKind::kOk: return "ok";
  }
  return "?";
}

std::string string_field(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return {};
  return std::string(it->value().get_string());
}

std::size_t text_length(const boost::json::object& block, std::string_view key) {
  auto it = block.find(key);
  if (it == block.end() || !it->value().is_object()) return 0;
  return utf8_length(string_field(it->value().get_object(), "text"));
}

/// The Block Kit limits Slack enforces with `invalid_blocks` (a useful subset).
bool blocks_valid(const boost::json::array& blocks) {
  if (blocks.size() > 50) return false;
  for (const auto& b : blocks) {
    if (!b.is_object()) return false;
    const auto& block = b.get_object();
    std::string type = string_field(block, "type");
    if (type.empty()) return false;
    if (utf8_length(string_field(block, "block_id")) > 255) return false;
    if (type == "section" && text_length(block, "text") > 3000) return false;
    if (type == "header" && text_length(block, "text") > 150) return false;
    auto el = block.find("elements");
    if (type == "context" && el != block.end() && el->value().is_array() &&
        el->value().get_array().size() > 10)
      return false;
    if (type == "actions") {
      if (el == block.end() || !el->value().is_array() || el->value().get_array().size() > 25)
        return false;
      for (const auto& e : el->value().get_array()) {
        if (!e.is_object()) return false;
        const auto& element = e.get_object();
        if (utf8_length(string_field(element, "action_id")) > 255) return false;
        if (utf8_length(string_field(element, "value")) > 2000) return false;
        if (text_length(element, "text") > 75) return false;
      }
    }
  }
  return true;
}

/// Finds the accepted socket of this request (by its port pair), or -1. The fd stays owned by
/// httplib: only shutdown()/connect() may be used on it, never close().
int connection_fd(const httplib::Request& req) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return -1;
  int found = -1;
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0') continue;
    struct stat st {};
    if (fstat(static_cast<int>(fd), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    sockaddr_storage local{}, peer{};
    socklen_t llen = sizeof local, plen = sizeof peer;
    if (getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &llen) != 0 ||
        getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &plen) != 0)
      continue;
    auto port_of = [](const sockaddr_storage& a) -> int {
      if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
      if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
      return -1;
    };
    if (port_of(peer) == req.remote_port &&
        (req.local_port <= 0 || port_of(local) == req.local_port)) {
      found = static_cast<int>(fd);
      break;
    }
  }
  closedir(dir);
  return found;
}

/// Shuts the request's connection down so the client sees it drop (FIN) without reply bytes.
bool shutdown_connection(const httplib::Request& req) {
  int fd = connection_fd(req);
  return fd >= 0 && ::shutdown(fd, SHUT_RDWR) == 0;
}

/// Aborts the request's connection with a TCP RST and no reply bytes. connect(AF_UNSPEC)
/// disconnects a TCP socket in place (Linux tcp_disconnect sends a RST for an established
/// connection) without closing the fd, which httplib still owns and closes later; closing it
/// here with SO_LINGER 0 would race with httplib reusing the number.
bool reset_connection(const httplib::Request& req) {
  int fd = connection_fd(req);
  if (fd < 0) return false;
  sockaddr unspec{};
  unspec.sa_family = AF_UNSPEC;
  return ::connect(fd, &unspec, sizeof unspec) == 0;
}

void reply_json(httplib::Response& res, const boost::json::value& v, int status = 200) {
  res.status = status;
  res.set_content(boost::json::serialize(v), "application/json; charset=utf-8");
}

void reply_error(httplib::Response& res, std::string_view code) {
  reply_json(res, boost::json::object{{"ok", false}, {"error", code}});
}

}  // namespace

std::string RecordedCall::header(std::string_view lower_name) const {
  auto it = headers.find(std::string(lower_name));
  return it == headers.end() ? std::string() : it->second;
}

struct FakeSlack::Impl {
  FakeSlackOptions opt;
  httplib::Server server;
  std::thread thread;
  int port = -1;

  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::vector<RecordedCall> calls;
  std::map<std::string, std::deque<Fault>> faults;  ///< per method: the script still to run
  struct Rule {
    std::string method;
    std::function<bool(const RecordedCall&)> match;
    Fault fault;
  };
  std::vector<Rule> rules;
  std::map<std::string, std::map<std::string, boost::json::object>> messages;
  std::uint64_t seq = 0;
  bool stopping = false;

  /// Records the call and takes a pending fault for it. Returns the fault, if any.
  std::optional<Fault> record(std::string method, const httplib::Request& req) {
    RecordedCall call;
    call.method = std::move(method);
    call.path = req.path;
    for (const auto& [k, v] : req.headers) call.headers[lower(k)] = v;
    call.raw_body = req.body;
    call.body = parse_or_null(req.body);
    call.at = std::chrono::system_clock::now();
    std::optional<Fault> fault;
    std::lock_guard lock(mu);
    for (auto& rule : rules) {
      if (rule.method != call.method || rule.fault.count <= 0 || !rule.match(call)) continue;
      fault = rule.fault;
      --rule.fault.count;
      break;
    }
    if (!fault) {
      if (auto it = faults.find(call.method); it != faults.end()) {
        auto& script = it->second;
        while (!script.empty() && script.front().count <= 0) script.pop_front();
        if (!script.empty()) {
          fault = script.front();
          if (--script.front().count <= 0) script.pop_front();
        }
        if (script.empty()) faults.erase(it);
      }
    }
    if (fault && fault->kind == FaultKind::kOk) fault.reset();
    if (fault) call.fault = fault_name(fault->kind);
    calls.push_back(std::move(call));
    cv.notify_all();
    return fault;
  }

  /// Applies a fault; returns true when the request is fully handled by it.
  bool apply(const Fault& f, const httplib::Request& req, httplib::Response& res) {
    switch (f.kind) {
      case FaultKind::k429:
        if (f.retry_after_s >= 0) res.set_header("Retry-After", std::to_string(f.retry_after_s));
        reply_json(res, boost::json::object{{"ok", false}, {"error", "ratelimited"}}, 429);
        return true;
      case FaultKind::k500:
        res.status = 500;
        res.set_content("internal server error", "text/plain");
        return true;
      case FaultKind::kHang: {
        std::unique_lock lock(mu);
        cv.wait_for(lock, f.delay, [this] { return stopping; });
        return false;  // then answers normally, like a slow Slack
      }
      case FaultKind::kClose:
      case FaultKind::kReset:
        if (!(f.kind == FaultKind::kReset ? reset_connection(req) : shutdown_connection(req))) {
          // Fallback: headers go out, then the body stream aborts.
          res.set_chunked_content_provider("application/json",
                                           [](std::size_t, httplib::DataSink&) { return false; });
        }
        return true;
      case FaultKind::kOk: return false;
    }
    return true;
  }

  std::string next_ts() {
    std::lock_guard lock(mu);
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    char frac[16];
    std::snprintf(frac, sizeof frac, "%06llu", static_cast<unsigned long long>(++seq % 1000000));
    return std::to_string(secs) + "." + frac;
  }

  bool channel_known(const std::string& channel) const {
    if (opt.channels.empty()) return true;
    return std::find(opt.channels.begin(), opt.channels.end(), channel) != opt.channels.end();
  }

  void handle_api(const std::string& method, const httplib::Request& req, httplib::Response& res) {
    if (auto fault = record(method, req); fault && apply(*fault, req, res)) return;

    std::string auth = req.get_header_value("Authorization");
    if (auth.empty()) return reply_error(res, "not_authed");
    if (auth != "Bearer " + opt.token) return reply_error(res, "invalid_auth");
    std::string ctype = lower(req.get_header_value("Content-Type"));
    if (ctype.rfind("application/json", 0) != 0) return reply_error(res, "invalid_form_data");
    boost::json::value body = parse_or_null(req.body);
    if (!body.is_object()) return reply_error(res, "invalid_json");
    const auto& args = body.get_object();

    if (method == "auth.test") {
      return reply_json(res, boost::json::object{{"ok", true},
                                                 {"url", "https://fake.slack.com/"},
                                                 {"team", "Fake Team"},
                                                 {"user", "steward"},
                                                 {"team_id", opt.team_id},
                                                 {"user_id", opt.bot_user_id},
                                                 {"bot_id", opt.bot_id}});
    }
    if (method != "chat.postMessage" && method != "chat.update" && method != "chat.postEphemeral")
      return reply_error(res, "unknown_method");

    std::string channel = string_field(args, "channel");
    if (channel.empty() || !channel_known(channel)) return reply_error(res, "channel_not_found");
    std::string text = string_field(args, "text");
    const boost::json::array* blocks = nullptr;
    if (auto it = args.find("blocks"); it != args.end()) {
      if (!it->value().is_array()) return reply_error(res, "invalid_blocks_format");
      blocks = &it->value().get_array();
      if (!blocks_valid(*blocks)) return reply_error(res, "invalid_blocks");
    }
    if (text.empty() && (!blocks || blocks->empty())) return reply_error(res, "no_text");

    if (method == "chat.postEphemeral") {
      // Documented reply: {"ok": true, "message_ts": "…"}; the message is not retrievable.
      if (string_field(args, "user").empty()) return reply_error(res, "user_not_found");
      return reply_json(res, boost::json::object{{"ok", true}, {"message_ts", next_ts()}});
    }
    if (method == "chat.postMessage") {
      if (utf8_length(text) > 40000) return reply_error(res, "msg_too_long");
      std::string ts = next_ts();
      boost::json::object message{{"type", "message"},
                                  {"text", text},
                                  {"user", opt.bot_user_id},
                                  {"bot_id", opt.bot_id},
                                  {"ts", ts}};
      if (blocks) message["blocks"] = *blocks;
      if (auto thread = string_field(args, "thread_ts"); !thread.empty())
        message["thread_ts"] = thread;
      {
        std::lock_guard lock(mu);
        messages[channel][ts] = message;
      }
      return reply_json(res,
                        boost::json::object{
                            {"ok", true}, {"channel", channel}, {"ts", ts}, {"message", message}});
    }

    // chat.update
    std::string ts = string_field(args, "ts");
    if (utf8_length(text) > 4000) return reply_error(res, "msg_too_long");
    boost::json::object message;
    {
      std::lock_guard lock(mu);
      auto ch = messages.find(channel);
      if (ts.empty() || ch == messages.end() || !ch->second.count(ts))
        return reply_error(res, "message_not_found");
      auto& stored = ch->second[ts];
      stored["text"] = text;
      if (blocks) stored["blocks"] = *blocks;
      message = stored;
    }
    reply_json(
        res,
        boost::json::object{
            {"ok", true}, {"channel", channel}, {"ts", ts}, {"text", text}, {"message", message}});
  }

  void handle_response(const httplib::Request& req, httplib::Response& res) {
    if (auto fault = record("response", req); fault && apply(*fault, req, res)) return;
    std::string ctype = lower(req.get_header_value("Content-Type"));
    boost::json::value body = parse_or_null(req.body);
    if (ctype.rfind("application/json", 0) != 0 || !body.is_object()) {
      res.status = 400;
      res.set_content("invalid_payload", "text/plain");
      return;
    }
    reply_json(res, boost::json::object{{"ok", true}});
  }

  void install_control_endpoints(FakeSlack& owner) {
    server.Get("/_calls", [&owner](const httplib::Request&, httplib::Response& res) {
      boost::json::array out;
      for (const auto& c : owner.calls()) {
        out.push_back(boost::json::object{
            {"method", c.method},
            {"path", c.path},
            {"body", c.body},
            {"fault", c.fault},
            {"at_ms", std::chrono::duration_cast<std::chrono::milliseconds>(c.at.time_since_epoch())
                          .count()}});
      }
      reply_json(res, out);
    });
    server.Post("/_fault", [&owner](const httplib::Request& req, httplib::Response& res) {
      boost::json::value v = parse_or_null(req.body);
      if (!v.is_object()) return reply_json(res, boost::json::object{{"ok", false}}, 400);
      const auto& o = v.get_object();
      std::string method = string_field(o, "method");
      if (auto script = o.find("script"); !method.empty() && script != o.end()) {
        std::vector<Fault> steps;
        if (!script->value().is_string() ||
            !parse_fault_script(script->value().get_string(), steps))
          return reply_json(res,
                            boost::json::object{{"ok", false},
                                                {"error",
                                                 "script: KIND[:ARG][*COUNT],… with KIND "
                                                 "429|500|hang|close|reset|ok"}},
                            400);
        owner.set_fault_script(method, std::move(steps));
        return reply_json(res, boost::json::object{{"ok", true}});
      }
      Fault f;
      if (method.empty() || !parse_fault_kind(string_field(o, "kind"), f.kind))
        return reply_json(
            res,
            boost::json::object{
                {"ok", false},
                {"error", "method and kind (429|500|hang|close|reset|ok) or script required"}},
            400);
      auto int_field = [&o](std::string_view key, std::int64_t fallback) -> std::int64_t {
        auto it = o.find(key);
        if (it == o.end()) return fallback;
        if (it->value().is_int64()) return it->value().get_int64();
        if (it->value().is_uint64()) return static_cast<std::int64_t>(it->value().get_uint64());
        return fallback;
      };
      f.count = static_cast<int>(int_field("count", 1));
      f.retry_after_s = static_cast<int>(int_field("retry_after", 1));
      f.delay = std::chrono::milliseconds(int_field("delay_ms", 0));
      owner.set_fault(method, f);
      reply_json(res, boost::json::object{{"ok", true}});
    });
    server.Post("/_reset", [&owner](const httplib::Request&, httplib::Response& res) {
      owner.reset();
      reply_json(res, boost::json::object{{"ok", true}});
    });
  }
};

FakeSlack::FakeSlack(FakeSlackOptions options) : impl_(std::make_unique<Impl>()) {
  // A client that vanished mid-reply must not kill the test process.
  std::signal(SIGPIPE, SIG_IGN);
  impl_->opt = std::move(options);
  Impl* impl = impl_.get();
  impl->server.Post(R"(/api/([A-Za-z0-9._]+))",
                    [impl](const httplib::Request& req, httplib::Response& res) {
                      impl->handle_api(req.matches[1].str(), req, res);
                    });
  impl->server.Post(R"(/response/([A-Za-z0-9._-]+))",
                    [impl](const httplib::Request& req, httplib::Response& res) {
                      impl->handle_response(req, res);
                    });
  if (impl->opt.control_endpoints) impl->install_control_endpoints(*this);

  if (impl->opt.port == 0) {
    impl->port = impl->server.bind_to_any_port(impl->opt.host);
  } else if (impl->server.bind_to_port(impl->opt.host, impl->opt.port)) {
    impl->port = impl->opt.port;
  }
  if (impl->port <= 0) {
    impl->port = -1;
    return;
  }
  impl->thread = std::thread([impl] { impl->server.listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so do not hand out a half-started server.
  for (int i = 0; i < 2000 && !impl->server.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeSlack::~FakeSlack() { stop(); }

bool FakeSlack::ok() const { return impl_->port > 0; }
int FakeSlack::port() const { return impl_->port; }

std::string FakeSlack::api_base() const {
  return "http://" + impl_->opt.host + ":" + std::to_string(impl_->port) + "/api";
}

std::string FakeSlack::response_url_base() const {
  return "http://" + impl_->opt.host + ":" + std::to_string(impl_->port) + "/response/";
}

std::string FakeSlack::response_url(std::string_view id) const {
  return "http://" + impl_->opt.host + ":" + std::to_string(impl_->port) + "/response/" +
         std::string(id);
}

void FakeSlack::set_fault(std::string method, Fault fault) {
  set_fault_script(std::move(method), {fault});
}

void FakeSlack::set_fault_script(std::string method, std::vector<Fault> steps) {
  std::lock_guard lock(impl_->mu);
  std::deque<Fault> script(steps.begin(), steps.end());
  std::erase_if(script, [](const Fault& f) { return f.count <= 0; });
  if (script.empty())
    impl_->faults.erase(method);
  else
    impl_->faults[std::move(method)] = std::move(script);
}

void FakeSlack::add_fault_rule(std::string method, std::function<bool(const RecordedCall&)> match,
                               Fault fault) {
  std::lock_guard lock(impl_->mu);
  impl_->rules.push_back(Impl::Rule{std::move(method), std::move(match), fault});
}

int FakeSlack::pending_faults(std::string_view method) const {
  std::lock_guard lock(impl_->mu);
  int n = 0;
  if (auto it = impl_->faults.find(std::string(method)); it != impl_->faults.end())
    for (const auto& f : it->second) n += std::max(f.count, 0);
  for (const auto& rule : impl_->rules)
    if (rule.method == method) n += std::max(rule.fault.count, 0);
  return n;
}

bool FakeSlack::parse_fault_script(std::string_view text, std::vector<Fault>& out) {
  auto number = [](std::string_view s, long long& v) {
    if (s.empty()) return false;
    v = 0;
    for (char c : s) {
      if (c < '0' || c > '9' || v > 100000000) return false;
      v = v * 10 + (c - '0');
    }
    return true;
  };
  std::vector<Fault> steps;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view step = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    while (!step.empty() && step.front() == ' ') step.remove_prefix(1);
    while (!step.empty() && step.back() == ' ') step.remove_suffix(1);
    Fault f;
    long long v = 0;
    if (auto star = step.find('*'); star != std::string_view::npos) {
      if (!number(step.substr(star + 1), v) || v < 1) return false;
      f.count = static_cast<int>(v);
      step = step.substr(0, star);
    }
    std::string_view arg;
    if (auto colon = step.find(':'); colon != std::string_view::npos) {
      arg = step.substr(colon + 1);
      step = step.substr(0, colon);
    }
    if (!parse_fault_kind(step, f.kind)) return false;
    if (!arg.empty()) {
      if (!number(arg, v)) return false;
      if (f.kind == FaultKind::k429)
        f.retry_after_s = static_cast<int>(v);
      else if (f.kind == FaultKind::kHang)
        f.delay = std::chrono::milliseconds(v);
      else
        return false;
    }
    steps.push_back(f);
  }
  if (steps.empty()) return false;
  out = std::move(steps);
  return true;
}

bool FakeSlack::parse_fault_kind(std::string_view text, FaultKind& out) {
  if (text == "429")
    out = FaultKind::k429;
  else if (text == "500")
    out = FaultKind::k500;
  else if (text == "hang")
    out = FaultKind::kHang;
  else if (text == "close")
    out = FaultKind::kClose;
  else if (text == "reset")
    out = FaultKind::kReset;
  else if (text == "ok")
    out = FaultKind::kOk;
  else
    return false;
  return true;
}

std::vector<RecordedCall> FakeSlack::calls() const {
  std::lock_guard lock(impl_->mu);
  return impl_->calls;
}

std::vector<RecordedCall> FakeSlack::calls(std::string_view method) const {
  std::lock_guard lock(impl_->mu);
  std::vector<RecordedCall> out;
  for (const auto& c : impl_->calls)
    if (c.method == method) out.push_back(c);
  return out;
}

bool FakeSlack::wait_for(const std::function<bool(const std::vector<RecordedCall>&)>& predicate,
                         std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] {
    return impl_->stopping || predicate(impl_->calls);
  }) && predicate(impl_->calls);
}

void FakeSlack::reset() {
  std::lock_guard lock(impl_->mu);
  impl_->calls.clear();
  impl_->faults.clear();
  impl_->rules.clear();
  impl_->messages.clear();
}

void FakeSlack::stop() {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopping) return;
    impl_->stopping = true;
    impl_->cv.notify_all();
  }
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace steward::fakes
