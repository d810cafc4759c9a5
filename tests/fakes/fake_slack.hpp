#pragma once
// A fake Slack Web API on 127.0.0.1 (port 0 by default) for tests and benchmarks. It follows the
// documented wire format: POST /api/auth.test, /api/chat.postMessage, /api/chat.update with
// `Authorization: Bearer <token>` and a JSON body, HTTP 200 {"ok":…} replies; and POST
// /response/<id> for response_url posts. Every call is recorded; faults can be scripted.

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace steward::fakes {

struct FakeSlackOptions {
  std::string token = "xoxb-test-token";
  /// Known channels; when non-empty, chat.* calls to other channels answer channel_not_found.
  std::vector<std::string> channels;
  std::string host = "127.0.0.1";
  int port = 0;  ///< 0 = any free port
  std::string team_id = "T0FAKE";
  std::string bot_user_id = "U0BOT";
  std::string bot_id = "B0BOT";
  /// Enables GET /_calls, POST /_fault, POST /_reset (the standalone fake_slack executable).
  bool control_endpoints = false;
};

/// One request the fake received.
struct RecordedCall {
  std::string method;  ///< "chat.postMessage", "auth.test", … or "response" for /response/<id>
  std::string path;    ///< request path, e.g. "/api/chat.postMessage" or "/response/abc"
  std::map<std::string, std::string> headers;  ///< lower-cased names
  std::string raw_body;
  boost::json::value body;                   ///< parsed JSON (null when the body was not JSON)
  std::chrono::system_clock::time_point at;  ///< when it was received
  std::string fault;  ///< the fault applied to it ("429", "500", "hang", "close") or empty

  /// Header value by lower-case name, or "".
  [[nodiscard]] std::string header(std::string_view lower_name) const;
};

enum class FaultKind { k429, k500, kHang, kClose };

/// A fault for the next `count` calls of one method.
struct Fault {
  FaultKind kind = FaultKind::k500;
  int count = 1;
  int retry_after_s = 1;               ///< k429: Retry-After value (negative = header omitted)
  std::chrono::milliseconds delay{0};  ///< kHang: how long to stall before answering normally
};

/// The fake server. Starts listening in the constructor (check ok()); stops in the destructor.
/// @par Thread safety: all accessors may be called from any thread while the server runs.
class FakeSlack {
 public:
  explicit FakeSlack(FakeSlackOptions options = {});
  ~FakeSlack();
  FakeSlack(const FakeSlack&) = delete;
  FakeSlack& operator=(const FakeSlack&) = delete;

  /// True when the server is listening.
  [[nodiscard]] bool ok() const;
  [[nodiscard]] int port() const;
  /// "http://127.0.0.1:PORT/api" — use as ClientOptions::api_base.
  [[nodiscard]] std::string api_base() const;
  /// "http://127.0.0.1:PORT/response/<id>" — a response_url the fake accepts.
  [[nodiscard]] std::string response_url(std::string_view id) const;

  /// Scripts `fault` for the next fault.count calls of `method` ("chat.postMessage", …,
  /// "response"). Replaces any fault pending for that method.
  void set_fault(std::string method, Fault fault);
  /// Parses "429" | "500" | "hang" | "close".
  static bool parse_fault_kind(std::string_view text, FaultKind& out);

  /// Snapshot of every recorded call, oldest first.
  [[nodiscard]] std::vector<RecordedCall> calls() const;
  /// Snapshot of the calls of one method.
  [[nodiscard]] std::vector<RecordedCall> calls(std::string_view method) const;
  /// Waits until `predicate(calls())` holds or `timeout` passes; returns whether it held.
  bool wait_for(const std::function<bool(const std::vector<RecordedCall>&)>& predicate,
                std::chrono::milliseconds timeout) const;
  /// Forgets calls, messages and pending faults.
  void reset();
  /// Stops the server (idempotent); hanging handlers are released.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace steward::fakes
