#pragma once
// Child processes for tests: a long-running one with its output captured to a file (the
// steward server, the SMTP fake, a load generator), and run-to-completion commands.

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace steward::testing {

/// A child process with stdout and stderr appended to `log`. Killed (SIGKILL) and reaped on
/// destruction unless already stopped. @par Thread safety: one owner thread.
class Child {
 public:
  /// Starts argv[0] (a path, not searched in PATH) with the parent's environment plus
  /// `extra_env` ("NAME=value"). started() says whether the spawn worked.
  Child(std::vector<std::string> argv, const std::filesystem::path& log,
        std::vector<std::string> extra_env = {});
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  [[nodiscard]] bool started() const { return pid_ > 0; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  /// True while the process runs (not exited, not reaped).
  [[nodiscard]] bool alive() const;
  /// Sends `sig` (0: none, just wait) and waits up to `timeout` for the exit. Returns the exit
  /// status, 128 + signal when killed by one, or -1 when it did not end in time.
  int stop(int sig = SIGTERM, std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  pid_t pid_ = -1;
};

/// What a finished command printed (stdout and stderr interleaved) and its exit status
/// (128 + signal when killed, -1 when it could not be started).
struct CommandResult {
  int rc = -1;
  std::string out;
};

/// Runs argv to completion in `cwd` (empty: the current directory) with the parent's
/// environment plus `extra_env`.
[[nodiscard]] CommandResult run(const std::vector<std::string>& argv,
                                const std::vector<std::string>& extra_env = {},
                                const std::filesystem::path& cwd = {});

/// Runs a shell command line (sh -c) to completion, for tools found through PATH.
[[nodiscard]] CommandResult run_shell(const std::string& command);

/// The file's content once it exists and is not empty, or "" after `timeout`.
[[nodiscard]] std::string wait_for_file(
    const std::filesystem::path& p, std::chrono::milliseconds timeout = std::chrono::seconds(20));

/// The whole file ("" when it cannot be read).
[[nodiscard]] std::string slurp(const std::filesystem::path& p);

}  // namespace steward::testing
