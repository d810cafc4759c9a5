#include "bot/store/migrations.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>

namespace steward::store {

namespace {

// Append new migrations at the end; never edit one that has shipped.
constexpr const char* kMigrations[] = {
    // 1: the pipe (inbox → runs → actions/outbox → approvals), audit chain, sales pipeline.
    R"sql(
CREATE TABLE inbox (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL UNIQUE,
  source       TEXT NOT NULL,
  kind         TEXT NOT NULL,
  dedupe_key   TEXT NOT NULL UNIQUE,
  actor        TEXT NOT NULL,
  payload      TEXT NOT NULL,
  received_at  INTEGER NOT NULL,
  status       TEXT NOT NULL DEFAULT 'pending',
  deliveries   INTEGER NOT NULL DEFAULT 1,
  processed_at INTEGER,
  error        TEXT
);
CREATE INDEX inbox_pending ON inbox(status, seq);

CREATE TABLE runs (
  id          TEXT PRIMARY KEY,
  event_id    TEXT NOT NULL,
  agent       TEXT NOT NULL,
  route       TEXT NOT NULL,
  notes       TEXT NOT NULL,
  facts       TEXT NOT NULL,
  status      TEXT NOT NULL,
  error       TEXT,
  created_at  INTEGER NOT NULL
);
CREATE INDEX runs_event ON runs(event_id);

CREATE TABLE actions (
  id               TEXT PRIMARY KEY,
  event_id         TEXT,
  run_id           TEXT,
  kind             TEXT NOT NULL,
  fields           TEXT NOT NULL,
  summary          TEXT NOT NULL,
  idempotency_key  TEXT NOT NULL UNIQUE,
  origin           TEXT NOT NULL,
  verdict          TEXT NOT NULL,
  rule             TEXT NOT NULL,
  status           TEXT NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  max_attempts     INTEGER NOT NULL DEFAULT 6,
  next_attempt_at  INTEGER NOT NULL DEFAULT 0,
  last_error       TEXT,
  result           TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE INDEX actions_due ON actions(status, next_attempt_at);
CREATE INDEX actions_event ON actions(event_id);

CREATE TABLE approvals (
  id              TEXT PRIMARY KEY,
  action_id       TEXT NOT NULL UNIQUE REFERENCES actions(id),
  event_id        TEXT,
  rule            TEXT NOT NULL,
  approvers       TEXT NOT NULL,
  requester       TEXT NOT NULL,
  title           TEXT NOT NULL,
  status          TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL,
  on_expiry       TEXT NOT NULL,
  decided_by      TEXT,
  decided_at      INTEGER,
  post_action_id  TEXT,
  message_channel TEXT,
  message_ts      TEXT
);
CREATE INDEX approvals_status ON approvals(status, expires_at);

CREATE TABLE audit (
  seq          INTEGER PRIMARY KEY,
  at           INTEGER NOT NULL,
  kind         TEXT NOT NULL,
  event_id     TEXT NOT NULL,
  action_id    TEXT NOT NULL,
  approval_id  TEXT NOT NULL,
  actor        TEXT NOT NULL,
  data         TEXT NOT NULL,
  prev_hash    TEXT NOT NULL,
  hash         TEXT NOT NULL
);
CREATE INDEX audit_event ON audit(event_id);
CREATE INDEX audit_action ON audit(action_id);
CREATE INDEX audit_approval ON audit(approval_id);

CREATE TABLE leads (
  email       TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  company     TEXT NOT NULL,
  phone       TEXT NOT NULL,
  stage       TEXT NOT NULL,
  score       INTEGER NOT NULL,
  source_form TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE TABLE lead_history (
  id         INTEGER PRIMARY KEY,
  email      TEXT NOT NULL,
  stage      TEXT NOT NULL,
  score      INTEGER NOT NULL,
  breakdown  TEXT NOT NULL,
  event_id   TEXT NOT NULL,
  at         INTEGER NOT NULL
);
CREATE INDEX lead_history_email ON lead_history(email);
)sql",
    // 2: email conversations (support desk) and the Message-ID → conversation map.
    R"sql(
CREATE TABLE conversations (
  id            TEXT PRIMARY KEY,
  customer      TEXT NOT NULL,
  customer_name TEXT NOT NULL,
  subject       TEXT NOT NULL,
  topic         TEXT NOT NULL DEFAULT '',
  urgency       TEXT NOT NULL DEFAULT '',
  sentiment     TEXT NOT NULL DEFAULT '',
  risk          TEXT NOT NULL DEFAULT '',
  messages      INTEGER NOT NULL DEFAULT 0,
  last_in_at    INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX conversations_updated ON conversations(updated_at);
CREATE TABLE email_messages (
  id              INTEGER PRIMARY KEY,
  message_id      TEXT NOT NULL,
  conversation_id TEXT NOT NULL REFERENCES conversations(id),
  direction       TEXT NOT NULL,
  event_id        TEXT NOT NULL DEFAULT '',
  action_id       TEXT NOT NULL DEFAULT '',
  sender          TEXT NOT NULL,
  subject         TEXT NOT NULL,
  auto_reply      INTEGER NOT NULL DEFAULT 0,
  at              INTEGER NOT NULL
);
CREATE UNIQUE INDEX email_messages_mid ON email_messages(message_id) WHERE message_id <> '';
CREATE INDEX email_messages_event ON email_messages(event_id) WHERE event_id <> '';
CREATE INDEX email_messages_conv ON email_messages(conversation_id, at);
ALTER TABLE actions ADD COLUMN conversation_id TEXT NOT NULL DEFAULT '';
CREATE INDEX actions_conversation ON actions(conversation_id) WHERE conversation_id <> '';
)sql",
    // 3: who may write into a conversation (its customer, the addresses Steward wrote to),
    // revoked reply access, and links between conversations a human may merge.
    R"sql(
CREATE TABLE conversation_participants (
  conversation_id TEXT NOT NULL REFERENCES conversations(id),
  mailbox         TEXT NOT NULL,
  role            TEXT NOT NULL,
  added_at        INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, mailbox)
) WITHOUT ROWID;
CREATE TABLE reply_revocations (
  conversation_id TEXT NOT NULL REFERENCES conversations(id),
  mailbox         TEXT NOT NULL,
  revoked_by      TEXT NOT NULL,
  revoked_at      INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, mailbox)
) WITHOUT ROWID;
ALTER TABLE conversations ADD COLUMN linked_to TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN link_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN merged_into TEXT NOT NULL DEFAULT '';
)sql",
    // 4: which actions a model wrote, and every metered model call (spend per provider per day
    // is summed from here, so a restart does not reset a budget).
    R"sql(
ALTER TABLE actions ADD COLUMN drafted_by TEXT NOT NULL DEFAULT '';
CREATE TABLE model_calls (
  id             INTEGER PRIMARY KEY,
  at             INTEGER NOT NULL,
  day            TEXT NOT NULL,
  provider       TEXT NOT NULL,
  model          TEXT NOT NULL,
  task           TEXT NOT NULL,
  agent          TEXT NOT NULL,
  tokens_in      INTEGER NOT NULL,
  tokens_out     INTEGER NOT NULL,
  cost_usd       REAL NOT NULL,
  latency_ms     INTEGER NOT NULL,
  attempts       INTEGER NOT NULL,
  ok             INTEGER NOT NULL,
  error          TEXT NOT NULL,
  prompt_sha256  TEXT NOT NULL,
  output_sha256  TEXT NOT NULL,
  prompt_text    TEXT,
  output_text    TEXT
);
CREATE INDEX model_calls_day ON model_calls(provider, day);
)sql",
};

}  // namespace

int latest_schema_version() noexcept {
  return static_cast<int>(sizeof(kMigrations) / sizeof(kMigrations[0]));
}

[[nodiscard]] Expected<void> migrate(SQLite::Database& db) {
  int version = 0;
  try {
    version = db.execAndGet("PRAGMA user_version").getInt();
  } catch (const std::exception& e) {
    return fail(Errc::kInternal, std::string("cannot read schema version: ") + e.what());
  }
  if (version > latest_schema_version())
    return fail(Errc::kInternal, "database schema version " + std::to_string(version) +
                                     " is newer than this steward (" +
                                     std::to_string(latest_schema_version()) + ")");
  for (int v = version; v < latest_schema_version(); ++v) {
    try {
      SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
      db.exec(kMigrations[v]);
      db.exec("PRAGMA user_version = " + std::to_string(v + 1));
      tx.commit();
    } catch (const std::exception& e) {
      return fail(Errc::kInternal, "migration " + std::to_string(v + 1) + " failed: " + e.what());
    }
  }
  return {};
}

}  // namespace steward::store
