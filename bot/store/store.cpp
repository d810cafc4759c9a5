#include "bot/store/store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <boost/json/serialize.hpp>
#include <future>

#include "bot/core/thread_name.hpp"
#include "bot/store/audit.hpp"
#include "bot/store/migrations.hpp"
#include "bot/store/sql_util.hpp"

namespace steward::store {

namespace {

std::string hex(const unsigned char* p, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 0xF]);
  }
  return out;
}

void configure(SQLite::Database& db, bool synchronous_full) {
  db.exec("PRAGMA busy_timeout = 10000");
  db.execAndGet("PRAGMA journal_mode = WAL");
  // FULL fsyncs the WAL on every commit: an acknowledged event survives power loss, not only
  // a process crash. Group commit keeps that to one fsync per group.
  db.exec(synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  // Savepoints need statement journals; in files they cost an open/unlink per commit.
  db.exec("PRAGMA temp_store = MEMORY");
  // 16 MiB of page cache (default 2 MiB): index pages stay hot instead of being re-read.
  db.exec("PRAGMA cache_size = -16384");
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return hex(out, len);
}

std::string new_id(std::string_view prefix) {
  // 48 bits of wall-clock milliseconds, then 48 random bits: ids made close in time sort close
  // together, so inserting them touches the same index pages instead of a random page each.
  const auto ms =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  unsigned char raw[12];
  for (int i = 0; i < 6; ++i) raw[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  if (RAND_bytes(raw + 6, 6) != 1) std::abort();  // the OS RNG is gone: nothing is safe
  std::string id(prefix);
  id.push_back('_');
  id += hex(raw, sizeof raw);
  return id;
}

StatementCache::StatementCache(SQLite::Database& db) : db_(db) {}
StatementCache::~StatementCache() = default;

SQLite::Statement& StatementCache::get(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end())
    it =
        cache_.emplace(std::string(sql), std::make_unique<SQLite::Statement>(db_, std::string(sql)))
            .first;
  SQLite::Statement& st = *it->second;
  st.reset();
  st.clearBindings();
  in_use_.push_back(&st);
  return st;
}

void StatementCache::release_all() {
  for (auto* st : in_use_) {
    try {
      st->reset();
    } catch (const std::exception&) {
      // reset() reports the statement's last step error again; it is already handled.
    }
  }
  in_use_.clear();
}

Expected<std::int64_t> Tx::audit(const AuditEntry& entry) {
  try {
    if (!tip_known_) {
      tip_seq_ = 0;
      tip_hash_.assign(64, '0');
      SQLite::Statement& last = prepare("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
      if (last.executeStep()) {
        tip_seq_ = last.getColumn(0).getInt64();
        tip_hash_ = last.getColumn(1).getString();
      }
      last.reset();
      tip_known_ = true;
    }
    const std::int64_t seq = tip_seq_ + 1;
    const std::string& prev = tip_hash_;
    AuditRow row;
    row.seq = seq;
    row.at = now_ms();
    row.kind = entry.kind;
    row.event_id = entry.event_id;
    row.action_id = entry.action_id;
    row.approval_id = entry.approval_id;
    row.actor = entry.actor;
    row.data = boost::json::serialize(entry.data);
    row.prev_hash = prev;
    row.hash = audit_hash(prev, row);
    SQLite::Statement& ins = prepare(
        "INSERT INTO audit(seq, at, kind, event_id, action_id, approval_id, "
        "actor, data, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)");
    detail::bind_all(ins, row.seq, row.at, row.kind, row.event_id, row.action_id, row.approval_id,
                     row.actor, row.data, row.prev_hash, row.hash);
    ins.exec();
    tip_seq_ = seq;
    tip_hash_ = std::move(row.hash);
    return seq;
  } catch (const std::exception& e) {
    return fail(Errc::kInternal, std::string("audit append failed: ") + e.what());
  }
}

Store::Store(std::filesystem::path path, const Clock& clock, StoreOptions options)
    : path_(std::move(path)), clock_(clock), options_(options) {}

Expected<std::unique_ptr<Store>> Store::open(const std::filesystem::path& path, const Clock& clock,
                                             StoreOptions options) {
  std::unique_ptr<Store> store(new Store(path, clock, options));
  try {
    if (path.has_parent_path()) {
      std::error_code ec;
      std::filesystem::create_directories(path.parent_path(), ec);
      if (ec)
        return fail(Errc::kUnavailable,
                    "cannot create " + path.parent_path().string() + ": " + ec.message());
    }
    store->write_db_ = std::make_unique<SQLite::Database>(
        path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX);
    configure(*store->write_db_, options.synchronous_full);
    if (auto m = migrate(*store->write_db_); !m) return Unexpected(m.error());
    store->statements_ = std::make_unique<StatementCache>(*store->write_db_);
    store->read_db_ = std::make_unique<SQLite::Database>(
        path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_FULLMUTEX);
    configure(*store->read_db_, options.synchronous_full);
  } catch (const std::exception& e) {
    return fail(Errc::kUnavailable, "cannot open store " + path.string() + ": " + e.what());
  }
  store->writer_ = std::thread([s = store.get()] {
    name_this_thread("st-writer");
    s->writer_loop();
  });
  return store;
}

Store::~Store() { close(); }

void Store::close() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  // Two threads may close at once; only one may join.
  std::lock_guard join_lock(join_mutex_);
  if (writer_.joinable()) writer_.join();
}

std::size_t Store::queue_depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size() + background_.size();
}

Expected<void> Store::write_async(WriteJob job, WriteDone done, bool background) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return fail(Errc::kUnavailable, "store is closing", std::chrono::seconds(1));
    auto& q = background ? background_ : queue_;
    if (q.size() >= options_.max_queue)
      return fail(Errc::kUnavailable, "write queue full", std::chrono::seconds(1));
    q.push_back(Item{std::move(job), std::move(done)});
  }
  cv_.notify_one();
  return {};
}

Expected<void> Store::write(WriteJob job) {
  auto promise = std::make_shared<std::promise<Expected<void>>>();
  auto future = promise->get_future();
  auto queued = write_async(std::move(job),
                            [promise](Expected<void> r) { promise->set_value(std::move(r)); });
  if (!queued) return queued;
  return future.get();
}

Expected<void> Store::read(const std::function<Expected<void>(SQLite::Database&)>& f) {
  std::lock_guard lock(read_mutex_);
  try {
    return f(*read_db_);
  } catch (const std::exception& e) {
    return fail(Errc::kInternal, std::string("store read failed: ") + e.what());
  }
}

void Store::writer_loop() {
  std::vector<Item> group;
  std::vector<Expected<void>> results;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty() || !background_.empty(); });
      if (queue_.empty() && background_.empty() && stopping_) return;
      const bool others_waiting = !queue_.empty();
      while (!queue_.empty() && group.size() < options_.max_group) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      const std::size_t room = options_.max_group - group.size();
      std::size_t take = others_waiting ? std::min(room, options_.background_share) : room;
      while (!background_.empty() && take-- > 0) {
        group.push_back(std::move(background_.front()));
        background_.pop_front();
      }
    }
    results.clear();
    Tx tx(*write_db_, clock_, *statements_);
    Expected<void> commit_result;
    try {
      SQLite::Transaction transaction(*write_db_, SQLite::TransactionBehavior::IMMEDIATE);
      for (auto& item : group) {
        // A savepoint per job: one job's failure must not undo its neighbours in the group.
        statements_->get("SAVEPOINT job").exec();
        Expected<void> r;
        try {
          r = item.job(tx);
        } catch (const std::exception& e) {
          r = fail(Errc::kInternal, std::string("store write failed: ") + e.what());
        }
        statements_->release_all();
        if (r) {
          statements_->get("RELEASE job").exec();
        } else {
          statements_->get("ROLLBACK TO job").exec();
          statements_->get("RELEASE job").exec();
          tx.forget_audit_tip();
        }
        results.push_back(std::move(r));
      }
      transaction.commit();
    } catch (const std::exception& e) {
      statements_->release_all();
      commit_result = fail(Errc::kUnavailable, std::string("commit failed: ") + e.what(),
                           std::chrono::seconds(1));
    }
    for (std::size_t i = 0; i < group.size(); ++i) {
      if (!group[i].done) continue;
      if (!commit_result)
        group[i].done(commit_result);
      else
        group[i].done(i < results.size() ? std::move(results[i]) : Expected<void>{});
    }
    group.clear();
  }
}

}  // namespace steward::store
