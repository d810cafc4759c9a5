#pragma once
// Drives the real SMTP server of tests/fakes/smtp (npm smtp-server + mailparser) from C++
// tests: starts it (with a throw-away TLS certificate when asked), reads delivered mail through
// its HTTP control API and injects faults.

#include <httplib.h>

#include <boost/json.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/child.hpp"
#include "tests/support/json.hpp"
#include "tests/support/temp_dir.hpp"

namespace steward::testing {

struct SmtpFakeOptions {
  bool tls = false;           ///< offer STARTTLS (certificate made with the openssl CLI)
  bool implicit_tls = false;  ///< smtps: TLS from the first byte
  bool require_tls = false;   ///< refuse MAIL without TLS
  std::string auth;           ///< "user:pass"; empty: no AUTH
  std::string host;           ///< SMTP bind address; empty: 127.0.0.1
  bool sink = false;          ///< count messages without parsing or keeping them (benchmarks)
  int idle_timeout_ms = 0;    ///< close idle connections with "421 Timeout" (0: server default)
};

/// One running tests/fakes/smtp/server.js and its control client. Check error() first: it
/// says why the server could not start (e.g. node_modules missing — the test must fail then).
class SmtpFake {
 public:
  explicit SmtpFake(const SmtpFakeOptions& o) {
    const std::filesystem::path root = STEWARD_SOURCE_DIR "/tests/fakes/smtp";
    if (!std::filesystem::exists(root / "node_modules/smtp-server") ||
        !std::filesystem::exists(root / "node_modules/mailparser")) {
      error_ =
          "tests/fakes/smtp/node_modules is missing: run npm ci in tests/fakes/smtp "
          "(scripts/test.sh does)";
      return;
    }
    auto [rc, node] = run_shell("command -v node");
    while (!node.empty() && (node.back() == '\n' || node.back() == '\r')) node.pop_back();
    if (rc != 0 || node.empty()) {
      error_ = "node is not installed";
      return;
    }
    std::vector<std::string> argv{node, (root / "server.js").string(), "--port-file",
                                  (dir_.path() / "ports.json").string()};
    if (o.tls || o.implicit_tls) {
      cert_ = dir_.path() / "cert.pem";
      const auto key = dir_.path() / "key.pem";
      auto [orc, out] = run_shell(
          "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -addext "
          "subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
          key.string() + " -out " + cert_.string());
      if (orc != 0) {
        error_ = "openssl failed: " + out;
        return;
      }
      for (std::string a :
           {std::string("--tls-cert"), cert_.string(), std::string("--tls-key"), key.string()})
        argv.push_back(a);
    }
    if (o.implicit_tls) argv.emplace_back("--implicit-tls");
    if (o.require_tls) argv.emplace_back("--require-tls");
    if (!o.auth.empty()) {
      argv.emplace_back("--auth");
      argv.push_back(o.auth);
    }
    if (o.sink) argv.emplace_back("--sink");
    if (o.idle_timeout_ms > 0) {
      argv.emplace_back("--idle-timeout-ms");
      argv.push_back(std::to_string(o.idle_timeout_ms));
    }
    if (!o.host.empty()) {
      argv.emplace_back("--host");
      argv.push_back(o.host);
    }
    child_ = std::make_unique<Child>(argv, dir_.path() / "server.log");
    auto ports = wait_for_file(dir_.path() / "ports.json");
    boost::system::error_code ec;
    auto v = boost::json::parse(ports, ec);
    if (ec || !v.is_object()) {
      error_ = "smtp fake did not start: " + slurp(dir_.path() / "server.log");
      return;
    }
    smtp_port_ = static_cast<int>(v.at("smtp").to_number<std::int64_t>());
    control_ = std::make_unique<httplib::Client>(
        "127.0.0.1", static_cast<int>(v.at("control").to_number<std::int64_t>()));
    control_->set_read_timeout(10, 0);
  }

  [[nodiscard]] bool ok() const { return error_.empty(); }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] int port() const { return smtp_port_; }
  /// The PEM certificate the server presents (trust it as the client's ca_file).
  [[nodiscard]] const std::filesystem::path& cert() const { return cert_; }

  /// Delivered messages: [{from, to, raw, secure, user, parsed:{subject, text, html,
  /// messageId, inReplyTo, references, replyTo, headers, contentType}}].
  boost::json::array messages() {
    auto v = get("/messages");
    return v.is_array() ? v.get_array() : boost::json::array{};
  }
  boost::json::object stats() {
    auto v = get("/stats");
    return v.is_object() ? v.get_object() : boost::json::object{};
  }
  std::int64_t connections() { return stats()["connections"].to_number<std::int64_t>(); }
  /// Queues faults: [{stage: connect|mail|rcpt|data, kind, code, text, times, delay_ms}], per
  /// stage in order. kind "reply" (default): answer `code` after delay_ms (no code: carry on);
  /// "hang": never answer at that stage (the client times out, nothing is delivered); "reset":
  /// abort the connection with a TCP RST after delay_ms.
  bool faults(const boost::json::array& list) {
    auto r = control_->Post("/faults", boost::json::serialize(list), "application/json");
    return r && r->status == 200;
  }
  /// Every fault applied so far, oldest first: [{stage, kind, code, at_ms}].
  boost::json::array fault_log() {
    auto v = get("/fault-log");
    return v.is_array() ? v.get_array() : boost::json::array{};
  }
  bool reset() {
    auto r = control_->Post("/reset", "", "application/json");
    return r && r->status == 200;
  }

 private:
  boost::json::value get(const char* path) {
    auto r = control_->Get(path);
    if (!r || r->status != 200) return {};
    boost::system::error_code ec;
    auto v = boost::json::parse(r->body, ec);
    return ec ? boost::json::value{} : v;
  }

  TempDir dir_;
  std::string error_;
  std::filesystem::path cert_;
  std::unique_ptr<Child> child_;
  std::unique_ptr<httplib::Client> control_;
  int smtp_port_ = 0;
};

}  // namespace steward::testing
