#pragma once
// Drives the real SMTP server of tests/fakes/smtp (npm smtp-server + mailparser) from C++
// tests: starts it, makes a throw-away TLS certificate, reads delivered mail, injects faults.

#include <httplib.h>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

namespace steward::testing {

/// A self-signed certificate for localhost / 127.0.0.1 made with the openssl CLI.
struct TestCert {
  std::filesystem::path cert, key;
  std::string error;  ///< non-empty when openssl failed
};

inline TestCert make_test_cert(const std::filesystem::path& dir) {
  TestCert c{dir / "smtp-cert.pem", dir / "smtp-key.pem", {}};
  auto [rc, out] =
      run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
          "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
          c.key.string() + " -out " + c.cert.string());
  if (rc != 0) c.error = "openssl failed: " + out;
  return c;
}

struct SmtpFakeOptions {
  std::filesystem::path cert, key;  ///< empty: no STARTTLS
  std::string auth;                 ///< "user:pass"; empty: no AUTH
};

class SmtpFake {
 public:
  SmtpFake(const std::filesystem::path& dir, const SmtpFakeOptions& options) {
    const std::filesystem::path root = STEWARD_SOURCE_DIR "/tests/fakes/smtp";
    if (!std::filesystem::exists(root / "node_modules/smtp-server")) {
      error_ =
          "tests/fakes/smtp/node_modules is missing: run npm ci in tests/fakes/smtp "
          "(scripts/test.sh does)";
      return;
    }
    auto port_file = dir / "smtp-ports.json";
    std::vector<std::string> argv{"node", (root / "server.js").string(), "--port-file",
                                  port_file.string()};
    if (!options.cert.empty())
      for (std::string a : {"--tls-cert", options.cert.string(), "--tls-key", options.key.string()})
        argv.push_back(a);
    if (!options.auth.empty()) {
      argv.push_back("--auth");
      argv.push_back(options.auth);
    }
    child_ = std::make_unique<Child>(argv, dir / "smtp-fake.log");
    auto ports = wait_for_file(port_file);
    boost::system::error_code ec;
    auto v = boost::json::parse(ports, ec);
    if (ec || !v.is_object()) {
      error_ = "smtp fake did not start: " + slurp(dir / "smtp-fake.log");
      return;
    }
    smtp_port_ = static_cast<int>(v.at("smtp").to_number<double>());
    control_ = std::make_unique<httplib::Client>(
        "127.0.0.1", static_cast<int>(v.at("control").to_number<double>()));
    control_->set_read_timeout(10, 0);
  }

  [[nodiscard]] bool ok() const { return error_.empty(); }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] int port() const { return smtp_port_; }

  /// Delivered messages: [{from, to, raw, secure, user, parsed:{subject, text, html,
  /// messageId, inReplyTo, references, replyTo, headers, contentType}}].
  boost::json::array messages() {
    auto r = control_->Get("/messages");
    if (!r || r->status != 200) return {};
    boost::system::error_code ec;
    auto v = boost::json::parse(r->body, ec);
    return !ec && v.is_array() ? v.get_array() : boost::json::array{};
  }
  /// Queues faults: [{stage, code, text, times, delay_ms}].
  bool faults(const boost::json::array& list) {
    auto r = control_->Post("/faults", boost::json::serialize(list), "application/json");
    return r && r->status == 200;
  }
  bool reset() {
    auto r = control_->Post("/reset", "", "application/json");
    return r && r->status == 200;
  }

 private:
  std::string error_;
  std::unique_ptr<Child> child_;
  std::unique_ptr<httplib::Client> control_;
  int smtp_port_ = 0;
};

/// Text of a string member of a JSON object ("" when absent).
inline std::string jstr(const boost::json::value& v, std::string_view key) {
  if (!v.is_object()) return {};
  auto it = v.get_object().find(key);
  return it != v.get_object().end() && it->value().is_string()
             ? std::string(it->value().get_string())
             : std::string();
}

}  // namespace steward::testing
