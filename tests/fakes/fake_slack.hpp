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
  /// Enables GET /_calls, POST /_fault ({"method", "kind", "count", "retry_after", "delay_ms"}
  /// or {"method", "script": "429:2,500,reset,ok"}), POST /_reset (the standalone fake_slack
  /// executable).
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
  std::string fault;  ///< the fault applied to it ("429", "500", "hang", "close", "reset") or
                      ///< empty (answered normally, also for an "ok" script step)

  /// Header value by lower-case name, or "".
  [[nodiscard]] std::string header(std::string_view lower_name) const;
};

/// k429: HTTP 429 {"ok":false,"error":"ratelimited"} with Retry-After. k500: HTTP 500.
/// kHang: stall `delay`, then answer normally (the client may have given up by then).
/// kClose: shut the connection down (FIN) without a reply. kReset: abort the connection with a
/// TCP RST, without a reply. kOk: answer normally (a spacer in a fault script).
enum class FaultKind { k429, k500, kHang, kClose, kReset, kOk };

/// A fault for the next `count` calls of one method (or one step of a fault script).
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
  /// "http://127.0.0.1:PORT/response/" — the fake's hooks host, for response_url_base.
  [[nodiscard]] std::string response_url_base() const;

  /// Scripts `fault` for the next fault.count calls of `method` ("chat.postMessage", …,
  /// "response"). Replaces any fault or script pending for that method.
  void set_fault(std::string method, Fault fault);
  /// Scripts faults call by call: the next calls of `method` get steps[0] (steps[0].count
  /// times), then steps[1], …; once the script is used up calls are answered normally. kOk steps
  /// let calls through in between. Replaces any fault or script pending for that method.
  void set_fault_script(std::string method, std::vector<Fault> steps);
  /// Faults every call of `method` for which `match(call)` holds (call.fault is still empty
  /// when it runs), fault.count times in all; such a call does not consume a script step.
  /// Rules are checked in the order added. `match` runs on a server thread under the fake's
  /// lock: it must not call back into the fake.
  void add_fault_rule(std::string method, std::function<bool(const RecordedCall&)> match,
                      Fault fault);
  /// Script steps (counting each repetition) and rule uses still pending for `method`.
  [[nodiscard]] int pending_faults(std::string_view method) const;
  /// Parses "429" | "500" | "hang" | "close" | "reset" | "ok".
  static bool parse_fault_kind(std::string_view text, FaultKind& out);
  /// Parses a script "STEP,STEP,…" where STEP is KIND[:ARG][*COUNT]; ARG is the Retry-After
  /// seconds for 429 (e.g. "429:2") and the stall in ms for hang ("hang:3000"). Example:
  /// "429:2,500,hang:3000,reset,ok*3,close". Returns false (out untouched) on any syntax error.
  static bool parse_fault_script(std::string_view text, std::vector<Fault>& out);

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
