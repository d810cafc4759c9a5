#include "tests/support/child.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/wait.hpp"

extern char** environ;

namespace steward::testing {
namespace {

struct Argv {
  std::vector<std::string> storage;
  std::vector<char*> ptrs;
  explicit Argv(std::vector<std::string> v) : storage(std::move(v)) {
    for (auto& s : storage) ptrs.push_back(s.data());
    ptrs.push_back(nullptr);
  }
  char** get() { return ptrs.data(); }
};

Argv environment_with(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  for (const auto& e : extra) env.push_back(e);
  return Argv(std::move(env));
}

int exit_status(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st); }

}  // namespace

Child::Child(std::vector<std::string> argv, const std::filesystem::path& log,
             std::vector<std::string> extra_env) {
  Argv args(std::move(argv));
  Argv env = environment_with(extra_env);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  if (posix_spawn(&pid_, args.get()[0], &fa, nullptr, args.get(), env.get()) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&fa);
}

Child::~Child() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }
}

bool Child::alive() const {
  if (pid_ <= 0) return false;
  // WNOWAIT: look without reaping, so stop() still collects the status.
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == 0;
}

int Child::stop(int sig, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  if (sig != 0) ::kill(pid_, sig);
  int status = -1;
  wait_until(
      [&] {
        int st = 0;
        if (::waitpid(pid_, &st, WNOHANG) != pid_) return false;
        status = exit_status(st);
        return true;
      },
      timeout);
  if (status != -1) pid_ = -1;
  return status;
}

CommandResult run(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
                  const std::filesystem::path& cwd) {
  CommandResult result;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return result;
  Argv args(argv);
  Argv env = environment_with(extra_env);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  pid_t pid = -1;
  bool spawned = posix_spawn(&pid, args.get()[0], &fa, nullptr, args.get(), env.get()) == 0;
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  if (spawned) {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
      if (n > 0) result.out.append(buf, static_cast<std::size_t>(n));
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    result.rc = exit_status(st);
  }
  ::close(fds[0]);
  return result;
}

CommandResult run_shell(const std::string& command) { return run({"/bin/sh", "-c", command}); }

std::string wait_for_file(const std::filesystem::path& p, std::chrono::milliseconds timeout) {
  std::string text;
  wait_until(
      [&] {
        text = slurp(p);
        return !text.empty();
      },
      timeout);
  return text;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace steward::testing
