#pragma once
// The SQLite store: one write connection committing queued jobs in groups, one read connection.

#include <boost/json/object.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "bot/core/clock.hpp"
#include "bot/core/expected.hpp"

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace steward::store {

/// Identity for one audit entry: what kind of step, which objects it concerns, who acted.
struct AuditEntry {
  std::string kind;          ///< "event.received", "plan", "decision", "approval.click", …
  std::string event_id;      ///< may be empty
  std::string action_id;     ///< may be empty
  std::string approval_id;   ///< may be empty
  std::string actor;         ///< who caused it (user id, email, "steward")
  boost::json::object data;  ///< details; never secrets
};

/// The writer connection's compiled statements, kept for the store's lifetime: compiling the
/// same SQL for every job cost more than executing it (see BENCHMARKS.md).
/// @par Thread safety: writer thread only.
class StatementCache {
 public:
  explicit StatementCache(SQLite::Database& db);
  ~StatementCache();
  /// The statement for `sql`, reset with no bindings. Throws SQLite::Exception on bad SQL (jobs
  /// run under the writer's catch).
  SQLite::Statement& get(std::string_view sql);
  /// Resets every statement handed out since the last call, so none holds a read cursor open
  /// across a savepoint release or commit.
  void release_all();

 private:
  SQLite::Database& db_;
  std::map<std::string, std::unique_ptr<SQLite::Statement>, std::less<>> cache_;
  std::vector<SQLite::Statement*> in_use_;
};

/// A write transaction handed to jobs on the writer thread. Jobs run inside a savepoint, so a
/// failing job is rolled back alone while the rest of its group commits.
class Tx {
 public:
  Tx(SQLite::Database& db, const Clock& clock, StatementCache& cache)
      : db_(db), clock_(clock), cache_(cache) {}
  [[nodiscard]] SQLite::Database& db() { return db_; }
  /// A cached prepared statement on this transaction's connection, reset and unbound. Valid
  /// until the job returns; do not hold two uses of the same SQL at once.
  [[nodiscard]] SQLite::Statement& prepare(std::string_view sql) { return cache_.get(sql); }
  [[nodiscard]] std::int64_t now_ms() const { return to_unix_ms(clock_.now()); }
  /// Appends one entry to the hash chain: hash = SHA-256(prev_hash ‖ canonical entry).
  [[nodiscard]] Expected<std::int64_t> audit(const AuditEntry& entry);
  /// Forgets the remembered chain tip (after a savepoint rollback undid entries).
  void forget_audit_tip() { tip_known_ = false; }

 private:
  // The chain's last (seq, hash), remembered within one group transaction: the write lock is
  // held throughout, so no other connection can append meanwhile.
  bool tip_known_ = false;
  std::int64_t tip_seq_ = 0;
  std::string tip_hash_;
  SQLite::Database& db_;
  const Clock& clock_;
  StatementCache& cache_;
};

/// A job run on the writer thread inside the group transaction.
using WriteJob = std::function<Expected<void>(Tx&)>;
/// Completion of a write job: called on the writer thread after the group committed (or failed).
using WriteDone = std::function<void(Expected<void>)>;

struct StoreOptions {
  std::size_t max_group = 512;        ///< jobs per transaction at most
  std::size_t max_queue = 100000;     ///< write_async refuses (kUnavailable) beyond this
  bool synchronous_full = true;       ///< fsync every commit (durability); tests may relax
  std::size_t background_share = 16;  ///< background jobs per group while others wait
};

/// Owns the database file. Opening runs the numbered migrations.
/// @par Thread safety: all methods are thread-safe. write()/read() block the caller (never call
/// them on an I/O thread); write_async() only enqueues.
class Store {
 public:
  /// Opens (creating directories and the file) and migrates. kUnavailable when the file cannot
  /// be opened, kInternal when a migration fails.
  [[nodiscard]] static Expected<std::unique_ptr<Store>> open(const std::filesystem::path& path,
                                                             const Clock& clock,
                                                             StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// Queues a job for the next group commit; `done` runs on the writer thread after commit.
  /// Returns kUnavailable (with retry_after) when the queue is full; then `done` is not called.
  /// Background jobs (work that may lag, like planning queued events) yield to the others:
  /// while foreground jobs wait, a group takes at most StoreOptions::background_share of them,
  /// so a burst of webhooks is committed first and processed after. Jobs of one priority
  /// commit in the order they were queued.
  [[nodiscard]] Expected<void> write_async(WriteJob job, WriteDone done, bool background = false);
  /// Queues a job and waits for its commit. Blocking.
  [[nodiscard]] Expected<void> write(WriteJob job);
  /// Runs `f` on the read connection (serialised). Blocking. Exceptions from SQLite become
  /// kInternal.
  [[nodiscard]] Expected<void> read(const std::function<Expected<void>(SQLite::Database&)>& f);

  /// Jobs waiting for the writer.
  [[nodiscard]] std::size_t queue_depth() const;
  /// Stops the writer after draining queued jobs. Idempotent.
  void close();
  [[nodiscard]] const Clock& clock() const { return clock_; }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  Store(std::filesystem::path path, const Clock& clock, StoreOptions options);
  void writer_loop();

  struct Item {
    WriteJob job;
    WriteDone done;
  };
  std::filesystem::path path_;
  const Clock& clock_;
  StoreOptions options_;
  std::unique_ptr<SQLite::Database> write_db_;
  std::unique_ptr<StatementCache> statements_;  ///< writer thread only
  std::unique_ptr<SQLite::Database> read_db_;
  std::mutex read_mutex_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  std::deque<Item> background_;
  bool stopping_ = false;
  std::mutex join_mutex_;
  std::thread writer_;
};

/// A new identifier with a prefix, e.g. new_id("ev") → "ev_0192f3…" (24 hex chars: 12 of
/// milliseconds since the epoch, 12 random), unique and roughly ordered by creation time.
std::string new_id(std::string_view prefix);

}  // namespace steward::store
