#pragma once
// The real `steward` binary under test: writes its config (StewardConfig) into a temporary
// directory, serves on loopback, runs the offline commands on the same config, reads its
// store read-only and its log, and is stopped, killed (-9) and restarted on the same store.

#include <httplib.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/child.hpp"
#include "tests/support/steward_config.hpp"
#include "tests/support/temp_dir.hpp"

namespace steward::testing {

struct StewardOptions {
  std::string binary = STEWARD_BIN;  ///< the binary beside the tests (set by the build)
  std::vector<std::string> env;      ///< "NAME=value" for the server and every cli() call
  std::chrono::milliseconds ready_timeout = std::chrono::seconds(30);
  int http_timeout_s = 10;  ///< read and write timeout of http()
  bool demo = false;        ///< `serve --demo`: the embedded defaults, no config file written
};

/// Rows of a query, every column as text (NULL → "").
using Rows = std::vector<std::vector<std::string>>;

/// @par Thread safety: one owner thread; http() clients are not shared between threads
/// (make_client() gives each thread its own).
class StewardProcess {
 public:
  explicit StewardProcess(StewardConfig config, StewardOptions options = {});
  ~StewardProcess();
  StewardProcess(const StewardProcess&) = delete;
  StewardProcess& operator=(const StewardProcess&) = delete;

  /// Writes the config, starts `steward serve --config FILE --port-file FILE` (or `serve --demo
  /// --port-file FILE`) and waits until
  /// the port file is written and GET /readyz answers 200. False when it did not come up in
  /// options.ready_timeout (error() says why, with the log's tail).
  [[nodiscard]] bool start();
  /// Writes steward.toml from config() (start() does; offline-only tests call it themselves).
  void write_config() const;
  /// kill -9 or SIGTERM, then start() again on the same store (and the same port when the
  /// config names one).
  [[nodiscard]] bool restart(int sig = SIGTERM);
  /// Sends `sig` and waits for the exit: the exit status, 128 + signal, or -1 on timeout.
  int stop(int sig = SIGTERM, std::chrono::milliseconds timeout = std::chrono::seconds(15));
  int kill9() { return stop(SIGKILL); }
  [[nodiscard]] bool alive() const;
  [[nodiscard]] pid_t pid() const;
  [[nodiscard]] const std::string& error() const { return error_; }

  [[nodiscard]] int port() const { return port_; }
  /// A keep-alive client to the running server (remade on every start).
  [[nodiscard]] httplib::Client& http() { return *http_; }
  /// A client of its own for another thread.
  [[nodiscard]] std::unique_ptr<httplib::Client> make_client() const;

  /// `steward ARGS… --config FILE` with the same environment, run in dir().
  [[nodiscard]] CommandResult cli(std::vector<std::string> args) const;
  /// The binary with exactly these arguments (no --config added), e.g. for a broken config.
  [[nodiscard]] CommandResult run_binary(std::vector<std::string> args, bool with_env = true) const;

  /// Read-only queries on the store (a fresh connection each, 5 s busy timeout). Throw
  /// std::runtime_error (naming the query) when SQLite fails.
  [[nodiscard]] Rows query(const std::string& sql) const;
  /// First column of the first row ("" when no row).
  [[nodiscard]] std::string scalar(const std::string& sql) const;
  [[nodiscard]] long long count(const std::string& sql) const;

  /// The captured output (stdout and stderr) of every start so far.
  [[nodiscard]] std::string log() const;
  [[nodiscard]] std::string log_tail(std::size_t bytes = 4000) const;
  /// Waits until the log contains `needle`.
  [[nodiscard]] bool wait_for_log(const std::string& needle, std::chrono::milliseconds timeout =
                                                                 std::chrono::seconds(15)) const;

  [[nodiscard]] StewardConfig& config() { return config_; }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_.path(); }
  [[nodiscard]] std::filesystem::path config_path() const { return dir() / "steward.toml"; }
  [[nodiscard]] std::filesystem::path db_path() const;
  [[nodiscard]] std::filesystem::path log_path() const { return dir() / "steward.log"; }
  /// Changed before start() when an option depends on dir() (e.g. a store path in env).
  [[nodiscard]] StewardOptions& options() { return options_; }

 private:
  TempDir dir_;
  StewardConfig config_;
  StewardOptions options_;
  std::unique_ptr<Child> child_;
  std::unique_ptr<httplib::Client> http_;
  int port_ = 0;
  std::string error_;
};

}  // namespace steward::testing
