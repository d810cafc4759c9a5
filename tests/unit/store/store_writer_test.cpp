// The store itself: migrations and the group-commit writer.

#include <atomic>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "bot/store/migrations.hpp"
#include "tests/unit/store/store_fixture.hpp"

namespace steward::store::test {
namespace {

using namespace std::chrono_literals;

/// A job that holds the writer thread until released, so later jobs pile up into one group.
class WriterGate {
 public:
  WriterGate() : entered_future_(entered_.get_future()), release_future_(release_.get_future()) {}
  WriteJob job() {
    return [this](Tx&) -> Expected<void> {
      entered_.set_value();
      release_future_.wait();
      return {};
    };
  }
  void wait_entered() { entered_future_.wait(); }
  void release() { release_.set_value(); }

 private:
  std::promise<void> entered_;
  std::future<void> entered_future_;
  std::promise<void> release_;
  std::shared_future<void> release_future_;
};

/// Child-process body for ConcurrentCloseIsSafe: exits 0 when both closes returned normally,
/// 1 when one threw or the store still accepts writes, 3 when a close hung.
[[noreturn]] void close_from_two_threads_then_exit(Store& store, std::filesystem::path dir) {
  // _Exit skips destructors: remove the child's own temporary directory first.
  auto leave = [dir](int code) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::_Exit(code);
  };
  std::thread watchdog([leave] {
    std::this_thread::sleep_for(3s);
    leave(3);
  });
  watchdog.detach();
  WriterGate gate;
  if (!store.write_async(gate.job(), nullptr)) leave(2);
  gate.wait_entered();
  std::atomic<int> exceptions{0};
  auto closer = [&] {
    try {
      store.close();
    } catch (const std::exception&) {
      ++exceptions;
    }
  };
  std::thread a(closer), b(closer);
  // Let both closers reach the join while the writer is still busy with the gate job.
  std::this_thread::sleep_for(100ms);
  gate.release();
  a.join();
  b.join();
  auto r = store.write([](Tx&) -> Expected<void> { return {}; });
  leave(exceptions.load() == 0 && !r && r.error().code == Errc::kUnavailable ? 0 : 1);
  std::_Exit(4);  // not reached
}

std::set<std::string> tables(SQLite::Database& db) {
  std::set<std::string> out;
  SQLite::Statement q(db, "SELECT name FROM sqlite_master WHERE type = 'table'");
  while (q.executeStep()) out.insert(q.getColumn(0).getString());
  return out;
}

TEST_F(StoreTest, MigrationsCreateTheSchema) {
  EXPECT_GE(latest_schema_version(), 1);
  EXPECT_EQ(scalar("PRAGMA user_version"), latest_schema_version());
  auto names =
      on_read([](SQLite::Database& db) -> Expected<std::set<std::string>> { return tables(db); });
  ASSERT_TRUE(names.has_value());
  for (const char* t : {"inbox", "runs", "actions", "approvals", "audit", "leads", "lead_history"})
    EXPECT_TRUE(names->count(t)) << "missing table " << t;
  EXPECT_EQ(text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(scalar("PRAGMA foreign_keys"), 1);
}

TEST_F(StoreTest, ReopeningDoesNotRerunMigrationsAndKeepsData) {
  auto ev = make_event("k1");
  ASSERT_TRUE(in_tx([&](Tx& tx) { return insert_event(tx, ev); }).has_value());
  store_->close();
  store_.reset();

  // Migration 1 is plain CREATE TABLE: running it again on this file would fail the open.
  open_store();
  EXPECT_EQ(scalar("PRAGMA user_version"), latest_schema_version());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM inbox"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit"), 1);
}

TEST_F(StoreTest, RefusesADatabaseFromANewerSteward) {
  store_->close();
  store_.reset();
  {
    SQLite::Database raw(db_path_.string(), SQLite::OPEN_READWRITE);
    raw.exec("PRAGMA user_version = " + std::to_string(latest_schema_version() + 1));
  }
  auto s = Store::open(db_path_, clock_, relaxed());
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, Errc::kInternal);
  EXPECT_NE(s.error().message.find("newer"), std::string::npos) << s.error().message;
}

TEST_F(StoreTest, OpenFailsWhenTheFileCannotBeCreated) {
  // A regular file where the directory should be.
  auto blocker = dir_.path() / "file";
  { std::ofstream(blocker) << "x"; }
  auto s = Store::open(blocker / "steward.db", clock_, relaxed());
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, Errc::kUnavailable);
}

TEST_F(StoreTest, GroupCommitManyJobsFromSeveralThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 125;
  constexpr int kJobs = kThreads * kPerThread;
  std::vector<std::atomic<int>> done_calls(kJobs);
  std::atomic<int> finished{0};
  std::atomic<int> failures{0};
  std::promise<void> all_done;

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        int n = t * kPerThread + i;
        auto q = store_->write_async(
            [n](Tx& tx) -> Expected<void> {
              Event e = make_event("job:" + std::to_string(n));
              auto r = insert_event(tx, e);
              if (!r) return Unexpected(r.error());
              return {};
            },
            [&, n](Expected<void> r) {
              if (!r) ++failures;
              ++done_calls[n];
              if (++finished == kJobs) all_done.set_value();
            });
        if (!q) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(all_done.get_future().wait_for(20s), std::future_status::ready);
  EXPECT_EQ(failures.load(), 0);
  for (int n = 0; n < kJobs; ++n) EXPECT_EQ(done_calls[n].load(), 1) << "job " << n;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM inbox"), kJobs);
  EXPECT_EQ(scalar("SELECT COUNT(DISTINCT dedupe_key) FROM inbox"), kJobs);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit"), kJobs);
  EXPECT_EQ(store_->queue_depth(), 0u);
}

TEST_F(StoreTest, AFailingJobIsRolledBackAloneWithinItsGroup) {
  WriterGate gate;
  ASSERT_TRUE(store_->write_async(gate.job(), nullptr).has_value());
  gate.wait_entered();

  std::promise<Expected<void>> first, bad, thrown, last;
  auto insert = [](std::string key, bool then_fail, bool then_throw) {
    return [=](Tx& tx) -> Expected<void> {
      Event e = make_event(key);
      if (auto r = insert_event(tx, e); !r) return Unexpected(r.error());
      if (then_throw) throw std::runtime_error("boom");
      if (then_fail) return fail(Errc::kInvalidInput, "job says no");
      return {};
    };
  };
  auto to = [](std::promise<Expected<void>>& p) {
    return [&p](Expected<void> r) { p.set_value(std::move(r)); };
  };
  ASSERT_TRUE(store_->write_async(insert("a", false, false), to(first)).has_value());
  ASSERT_TRUE(store_->write_async(insert("b", true, false), to(bad)).has_value());
  ASSERT_TRUE(store_->write_async(insert("c", false, true), to(thrown)).has_value());
  ASSERT_TRUE(store_->write_async(insert("d", false, false), to(last)).has_value());
  // All four wait together behind the gate, so they are committed as one group.
  EXPECT_EQ(store_->queue_depth(), 4u);
  gate.release();

  auto r1 = first.get_future().get();
  auto r2 = bad.get_future().get();
  auto r3 = thrown.get_future().get();
  auto r4 = last.get_future().get();
  EXPECT_TRUE(r1.has_value());
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error().code, Errc::kInvalidInput);
  EXPECT_EQ(r2.error().message, "job says no");
  ASSERT_FALSE(r3.has_value());
  EXPECT_EQ(r3.error().code, Errc::kInternal);
  EXPECT_NE(r3.error().message.find("boom"), std::string::npos);
  EXPECT_TRUE(r4.has_value());

  EXPECT_EQ(scalar("SELECT COUNT(*) FROM inbox WHERE dedupe_key IN ('a','d')"), 2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM inbox WHERE dedupe_key IN ('b','c')"), 0);
  // The rolled-back jobs' audit entries are gone too, and the chain has no gap.
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit"), 2);
  EXPECT_EQ(scalar("SELECT MAX(seq) FROM audit"), 2);
}

TEST_F(StoreTest, WriteBlocksUntilCommittedAndReturnsTheJobResult) {
  auto ok = store_->write([](Tx& tx) -> Expected<void> {
    Event e = make_event("w1");
    auto r = insert_event(tx, e);
    if (!r) return Unexpected(r.error());
    return {};
  });
  ASSERT_TRUE(ok.has_value());
  // Visible on the read connection right after write() returns.
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM inbox"), 1);

  auto bad = store_->write([](Tx&) -> Expected<void> { return fail(Errc::kConflict, "nope"); });
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Errc::kConflict);
}

TEST_F(StoreTest, WriteAfterCloseFails) {
  store_->close();
  store_->close();  // idempotent
  bool ran = false;
  auto r = store_->write([&](Tx&) -> Expected<void> {
    ran = true;
    return {};
  });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_TRUE(r.error().retry_after.has_value());
  EXPECT_FALSE(ran);

  bool done_called = false;
  auto a = store_->write_async([](Tx&) -> Expected<void> { return {}; },
                               [&](Expected<void>) { done_called = true; });
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().code, Errc::kUnavailable);
  EXPECT_FALSE(done_called);
}

TEST_F(StoreTest, CloseDrainsQueuedJobs) {
  WriterGate gate;
  ASSERT_TRUE(store_->write_async(gate.job(), nullptr).has_value());
  gate.wait_entered();
  std::atomic<int> done{0};
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(store_
                    ->write_async(
                        [i](Tx& tx) -> Expected<void> {
                          Event e = make_event("drain:" + std::to_string(i));
                          auto r = insert_event(tx, e);
                          if (!r) return Unexpected(r.error());
                          return {};
                        },
                        [&](Expected<void> r) {
                          if (r) ++done;
                        })
                    .has_value());
  }
  std::thread closer([&] { store_->close(); });
  gate.release();
  closer.join();
  EXPECT_EQ(done.load(), 10);
  SQLite::Database raw(db_path_.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(raw.execAndGet("SELECT COUNT(*) FROM inbox").getInt(), 10);
}

TEST_F(StoreTest, ConcurrentCloseIsSafe) {
  // Store documents every method as thread-safe, and shutdown paths (signal handler thread,
  // destructor) may overlap. Two threads closing at once must both return.
  // BUG (bot/store/store.cpp, Store::close): both callers see writer_.joinable() and both call
  // writer_.join(); the second join waits on an already-reaped thread and hangs forever. The
  // scenario runs in a child process with a watchdog so the suite reports a failure instead of
  // hanging.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(close_from_two_threads_then_exit(*store_, dir_.path()), ::testing::ExitedWithCode(0),
              "");
}

TEST_F(StoreTest, FullQueueIsRefusedWithRetryAfter) {
  store_->close();
  store_.reset();
  auto options = relaxed();
  options.max_queue = 3;
  open_store(options);

  WriterGate gate;
  ASSERT_TRUE(store_->write_async(gate.job(), nullptr).has_value());
  gate.wait_entered();  // the gate job left the queue; the queue is empty again

  std::atomic<int> done{0};
  std::promise<void> three_done;
  auto noop = [](Tx&) -> Expected<void> { return {}; };
  auto count = [&](Expected<void>) {
    if (++done == 3) three_done.set_value();
  };
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store_->write_async(noop, count).has_value());
  EXPECT_EQ(store_->queue_depth(), 3u);

  bool refused_done_called = false;
  auto full = store_->write_async(noop, [&](Expected<void>) { refused_done_called = true; });
  ASSERT_FALSE(full.has_value());
  EXPECT_EQ(full.error().code, Errc::kUnavailable);
  ASSERT_TRUE(full.error().retry_after.has_value());
  EXPECT_GT(full.error().retry_after->count(), 0);

  gate.release();
  ASSERT_EQ(three_done.get_future().wait_for(10s), std::future_status::ready);
  // Once drained, the queue accepts work again.
  ASSERT_TRUE(store_->write(noop).has_value());
  EXPECT_EQ(done.load(), 3);
  EXPECT_FALSE(refused_done_called);
}

TEST_F(StoreTest, ReadTurnsSqliteExceptionsIntoInternal) {
  auto r = store_->read([](SQLite::Database& db) -> Expected<void> {
    db.exec("SELECT * FROM no_such_table");
    return {};
  });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInternal);
}

TEST(NewId, PrefixAndRandomHex) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = new_id("ev");
    ASSERT_EQ(id.size(), 3u + 24u) << id;
    EXPECT_EQ(id.rfind("ev_", 0), 0u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef", 3), std::string::npos) << id;
    EXPECT_TRUE(seen.insert(id).second);
  }
}

}  // namespace
}  // namespace steward::store::test
