#pragma once
// A real store on a temporary file, a manual clock, and small helpers to run jobs and reads.

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "bot/core/clock.hpp"
#include "bot/core/event.hpp"
#include "bot/store/records.hpp"
#include "bot/store/store.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/support/temp_dir.hpp"

namespace steward::store::test {

/// The shared test TempDir (tests/support/temp_dir.hpp), under the name store tests use.
using TempDir = steward::testing::TempDir;

// 2024-05-01T12:00:00Z: a fixed, readable start time.
inline constexpr std::int64_t kStartMs = 1714564800000;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty()) << "mkdtemp failed";
    db_path_ = dir_.path() / "sub" / "steward.db";  // Store::open creates "sub"
    open_store();
  }
  void TearDown() override {
    if (store_) store_->close();
    store_.reset();
  }

  void open_store(StoreOptions options = relaxed()) {
    auto s = Store::open(db_path_, clock_, options);
    ASSERT_TRUE(s.has_value()) << s.error().message;
    store_ = std::move(*s);
  }
  static StoreOptions relaxed() {
    StoreOptions o;
    o.synchronous_full = false;  // no fsync per commit: keeps the suite fast; semantics equal
    return o;
  }

  /// Runs `f(tx)` as one write job and returns its value.
  template <class F>
  auto in_tx(F&& f) -> decltype(f(std::declval<Tx&>())) {
    decltype(f(std::declval<Tx&>())) out = fail(Errc::kInternal, "job did not run");
    auto r = store_->write([&](Tx& tx) -> Expected<void> {
      out = f(tx);
      if (!out) return Unexpected(out.error());
      return {};
    });
    if (!r && out) return Unexpected(r.error());
    return out;
  }

  /// Runs `f(db)` on the read connection and returns its value.
  template <class F>
  auto on_read(F&& f) -> decltype(f(std::declval<SQLite::Database&>())) {
    decltype(f(std::declval<SQLite::Database&>())) out = fail(Errc::kInternal, "read did not run");
    auto r = store_->read([&](SQLite::Database& db) -> Expected<void> {
      out = f(db);
      return {};
    });
    if (!r) return Unexpected(r.error());
    return out;
  }

  /// One integer from a raw SQL query on the read connection.
  std::int64_t scalar(const std::string& sql) {
    std::int64_t v = -1;
    auto r = store_->read([&](SQLite::Database& db) -> Expected<void> {
      v = db.execAndGet(sql).getInt64();
      return {};
    });
    EXPECT_TRUE(r.has_value()) << sql << ": " << (r ? "" : r.error().message);
    return v;
  }
  std::string text(const std::string& sql) {
    std::string v;
    auto r = store_->read([&](SQLite::Database& db) -> Expected<void> {
      auto c = db.execAndGet(sql);
      v = c.isNull() ? std::string("<null>") : c.getString();
      return {};
    });
    EXPECT_TRUE(r.has_value()) << sql << ": " << (r ? "" : r.error().message);
    return v;
  }

  static Event make_event(std::string dedupe_key, std::string actor = "form:website") {
    Event e;
    e.source = "forms";
    e.kind = "form.submitted";
    e.dedupe_key = std::move(dedupe_key);
    e.actor = std::move(actor);
    e.payload = {{"email", "lead@acme.example"}};
    e.received_at = from_unix_ms(kStartMs);
    return e;
  }

  static ActionRow make_action(std::string kind, std::string status, std::string event_id = "") {
    ActionRow a;
    a.kind = std::move(kind);
    a.status = std::move(status);
    a.event_id = std::move(event_id);
    a.fields = {{"channel", "sales"}, {"text", "hi"}};
    a.summary = "Post to #sales";
    a.origin = "agent:test";
    a.verdict = "allow";
    a.rule = "test.toml#r";
    return a;
  }

  TempDir dir_;
  std::filesystem::path db_path_;
  ManualClock clock_{from_unix_ms(kStartMs)};
  std::unique_ptr<Store> store_;
};

}  // namespace steward::store::test
