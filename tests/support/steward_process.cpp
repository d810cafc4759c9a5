#include "tests/support/steward_process.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <fstream>
#include <stdexcept>

#include "tests/support/wait.hpp"

namespace steward::testing {

StewardProcess::StewardProcess(StewardConfig config, StewardOptions options)
    : config_(std::move(config)), options_(std::move(options)) {}

StewardProcess::~StewardProcess() = default;

bool StewardProcess::start() {
  error_.clear();
  http_.reset();
  const auto port_file = dir() / "port";
  std::filesystem::remove(port_file);
  std::vector<std::string> argv{options_.binary, "serve", "--port-file", port_file.string()};
  if (options_.demo) {
    argv.emplace_back("--demo");
  } else {
    write_config();
    argv.emplace_back("--config");
    argv.push_back(config_path().string());
  }
  child_ = std::make_unique<Child>(argv, log_path(), options_.env);
  if (!child_->started()) {
    error_ = "cannot start " + options_.binary;
    return false;
  }
  const auto text = wait_for_file(port_file, options_.ready_timeout);
  if (text.empty()) {
    error_ = "no port file after " + std::to_string(options_.ready_timeout.count()) + " ms\n" +
             log_tail();
    return false;
  }
  port_ = std::stoi(text);
  http_ = make_client();
  // A probe of its own: short timeouts, so a restart that is not yet listening is retried.
  httplib::Client probe("127.0.0.1", port_);
  probe.set_connection_timeout(0, 200000);
  probe.set_read_timeout(2, 0);
  const bool ready = wait_until(
      [&] {
        auto r = probe.Get("/readyz");
        return r && r->status == 200;
      },
      options_.ready_timeout);
  if (!ready) error_ = "GET /readyz never answered 200\n" + log_tail();
  return ready;
}

void StewardProcess::write_config() const { std::ofstream(config_path()) << config_.text(); }

bool StewardProcess::restart(int sig) {
  stop(sig);
  return start();
}

int StewardProcess::stop(int sig, std::chrono::milliseconds timeout) {
  return child_ ? child_->stop(sig, timeout) : -1;
}

bool StewardProcess::alive() const { return child_ && child_->alive(); }
pid_t StewardProcess::pid() const { return child_ ? child_->pid() : -1; }

std::unique_ptr<httplib::Client> StewardProcess::make_client() const {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
  c->set_read_timeout(options_.http_timeout_s, 0);
  c->set_write_timeout(options_.http_timeout_s, 0);
  return c;
}

CommandResult StewardProcess::cli(std::vector<std::string> args) const {
  args.push_back("--config");
  args.push_back(config_path().string());
  return run_binary(std::move(args));
}

CommandResult StewardProcess::run_binary(std::vector<std::string> args, bool with_env) const {
  args.insert(args.begin(), options_.binary);
  return run(args, with_env ? options_.env : std::vector<std::string>{}, dir());
}

std::filesystem::path StewardProcess::db_path() const {
  const auto& p = config_.store_path();
  return p.is_absolute() ? p : dir() / p;
}

Rows StewardProcess::query(const std::string& sql) const {
  try {
    SQLite::Database db(db_path().string(), SQLite::OPEN_READONLY);
    db.setBusyTimeout(5000);
    SQLite::Statement st(db, sql);
    Rows rows;
    while (st.executeStep()) {
      std::vector<std::string> row;
      for (int i = 0; i < st.getColumnCount(); ++i)
        row.push_back(st.getColumn(i).isNull() ? "" : st.getColumn(i).getString());
      rows.push_back(std::move(row));
    }
    return rows;
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("query failed: ") + e.what() + "\n  " + sql);
  }
}

std::string StewardProcess::scalar(const std::string& sql) const {
  auto rows = query(sql);
  return rows.empty() || rows[0].empty() ? "" : rows[0][0];
}

long long StewardProcess::count(const std::string& sql) const {
  auto s = scalar(sql);
  return s.empty() ? 0 : std::stoll(s);
}

std::string StewardProcess::log() const { return slurp(log_path()); }

std::string StewardProcess::log_tail(std::size_t bytes) const {
  auto text = log();
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

bool StewardProcess::wait_for_log(const std::string& needle,
                                  std::chrono::milliseconds timeout) const {
  return wait_until([&] { return log().find(needle) != std::string::npos; }, timeout);
}

}  // namespace steward::testing
