#include "store/migrations.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>

namespace deadline::store {

namespace {

// Version 1: who receives reminders, and how.
const char* const kSubscribersAndEndpoints = R"sql(
CREATE TABLE subscribers (
  id               INTEGER PRIMARY KEY,
  email            TEXT UNIQUE,                 -- NULL once purged after unsubscribing
  email_hash       TEXT NOT NULL UNIQUE,        -- sha256(lower(email)): kept to honour an unsubscribe
  state            TEXT NOT NULL CHECK (state IN ('pending', 'active', 'unsubscribed')),
  token_generation INTEGER NOT NULL DEFAULT 1,  -- bumping it revokes every link of the subscriber
  created_at       INTEGER NOT NULL,            -- instants: Unix seconds, UTC
  confirmed_at     INTEGER,
  unsubscribed_at  INTEGER
);

CREATE TABLE endpoints (
  id             INTEGER PRIMARY KEY,
  subscriber_id  INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
  kind           TEXT NOT NULL CHECK (kind IN ('email', 'webhook', 'wecom', 'dingtalk', 'feishu')),
  address        TEXT NOT NULL,
  secret         TEXT,
  state          TEXT NOT NULL DEFAULT 'active'
                 CHECK (state IN ('active', 'needs_attention', 'disabled', 'unsubscribed')),
  state_reason   TEXT,
  filter_fields  INTEGER NOT NULL DEFAULT 0,    -- bit per filter field in use: lets the fan-out
                                                -- skip look-ups for endpoints without filters
  all_leads      INTEGER NOT NULL DEFAULT 1,    -- 1: every lead of the menu
  created_at     INTEGER NOT NULL
);
CREATE INDEX endpoints_by_subscriber ON endpoints(subscriber_id);
CREATE INDEX endpoints_by_state ON endpoints(state);

CREATE TABLE endpoint_filters (
  endpoint_id INTEGER NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
  field       TEXT NOT NULL CHECK (field IN ('programme', 'group', 'category', 'authority', 'role', 'keyword')),
  value       TEXT NOT NULL,
  PRIMARY KEY (endpoint_id, field, value)
) WITHOUT ROWID;

CREATE TABLE endpoint_leads (
  endpoint_id INTEGER NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
  lead        TEXT NOT NULL,
  PRIMARY KEY (endpoint_id, lead)
) WITHOUT ROWID;
)sql";

// Version 2: the outbox — triggers fired, messages to send, and what each message reminds of.
const char* const kOutbox = R"sql(
CREATE TABLE scheduler_state (
  name  TEXT PRIMARY KEY,                       -- 'cursor': triggers due up to here are handled
  value INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE triggers (
  key          TEXT PRIMARY KEY,                -- window id | lead | close (UTC): fired once ever
  window_id    TEXT NOT NULL,
  lead         TEXT NOT NULL,
  due_at       INTEGER NOT NULL,
  closes_at    INTEGER NOT NULL,
  recorded_at  INTEGER NOT NULL,
  outcome      TEXT NOT NULL CHECK (outcome IN ('fired', 'late', 'missed')),
  messages     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE messages (
  id               TEXT PRIMARY KEY,            -- random; the Message-ID / webhook-id of every attempt
  endpoint_id      INTEGER NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
  due_at           INTEGER NOT NULL,
  created_at       INTEGER NOT NULL,
  state            TEXT NOT NULL
                   CHECK (state IN ('pending', 'sending', 'delivered', 'retry', 'dead', 'expired')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER NOT NULL,
  expires_at       INTEGER NOT NULL,            -- the latest close among its deliveries
  last_error       TEXT,
  updated_at       INTEGER NOT NULL
);
CREATE INDEX messages_ready ON messages(state, next_attempt_at);
CREATE INDEX messages_expiring ON messages(state, expires_at);
CREATE INDEX messages_by_endpoint ON messages(endpoint_id);

CREATE TABLE deliveries (
  message_id   TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  endpoint_id  INTEGER NOT NULL,
  trigger_key  TEXT NOT NULL,
  window_id    TEXT NOT NULL,
  lead         TEXT NOT NULL,
  closes_at    INTEGER NOT NULL,
  superseded   INTEGER NOT NULL DEFAULT 0,      -- a newer lead for the same window replaced it
  PRIMARY KEY (message_id, trigger_key),
  UNIQUE (endpoint_id, trigger_key)             -- an endpoint never gets one reminder twice
) WITHOUT ROWID;
CREATE INDEX deliveries_by_window ON deliveries(endpoint_id, window_id);
)sql";

// Version 3: delivery — how long an endpoint has been failing, to disable it in time.
const char* const kEndpointHealth = R"sql(
ALTER TABLE endpoints ADD COLUMN failing_since INTEGER;     -- first failure since the last success
ALTER TABLE endpoints ADD COLUMN last_failure_at INTEGER;
)sql";

// Version 4: email — refusals of an address since its last success (SMTP 5xx on the recipient,
// hard bounces); repeated ones set the endpoint to needs_attention.
const char* const kHardFailures = R"sql(
ALTER TABLE endpoints ADD COLUMN hard_failures INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 5: self-service subscription — how often an address was mailed a confirmation.
const char* const kConfirmationMails = R"sql(
ALTER TABLE subscribers ADD COLUMN confirm_mailed_at INTEGER;          -- the last confirmation mail
ALTER TABLE subscribers ADD COLUMN confirm_window_start INTEGER;       -- start of the 24 h count
ALTER TABLE subscribers ADD COLUMN confirm_mails_in_window INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 6: what a subscriber must be told about their endpoints (started failing, disabled,
// needs attention), recorded with the change itself and mailed afterwards.
const char* const kEndpointNotices = R"sql(
CREATE TABLE endpoint_notices (
  id          INTEGER PRIMARY KEY,
  endpoint_id INTEGER NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
  what        TEXT NOT NULL CHECK (what IN ('failing', 'disabled', 'needs_attention')),
  reason      TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  sent_at     INTEGER
);
CREATE INDEX endpoint_notices_unsent ON endpoint_notices(sent_at);
)sql";

// Version 7: calendar feeds — per event UID, what it last said and how often it changed, so
// SEQUENCE and LAST-MODIFIED move only when an event really changes (RFC 5545 §3.8.7.4).
const char* const kFeedEvents = R"sql(
CREATE TABLE feed_events (
  uid            TEXT PRIMARY KEY,
  content_hash   TEXT NOT NULL,
  sequence       INTEGER NOT NULL,
  last_modified  INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Version 8: calendar revisions — each effective calendar the daemon applied, its windows, and
// what changed from the one before (store/revision_store.h; docs/calendar-format.md).
const char* const kCalendarRevisions = R"sql(
CREATE TABLE calendar_revisions (
  id                 INTEGER PRIMARY KEY,
  calendar_revision  TEXT NOT NULL,             -- the files' hash
  recorded_at        INTEGER NOT NULL,
  cause              TEXT NOT NULL CHECK (cause IN ('start', 'sighup', 'admin')),
  reason             TEXT NOT NULL DEFAULT '',
  baseline           INTEGER NOT NULL,          -- 1: the first ever stored, compared with nothing
  last_close         INTEGER NOT NULL           -- the latest close among its windows: retention
);

CREATE TABLE revision_windows (
  revision_id  INTEGER NOT NULL REFERENCES calendar_revisions(id) ON DELETE CASCADE,
  window_id    TEXT NOT NULL,
  window       TEXT NOT NULL,                   -- JSON: domain/revision_json.h
  PRIMARY KEY (revision_id, window_id)
) WITHOUT ROWID;

CREATE TABLE revision_changes (
  revision_id   INTEGER NOT NULL REFERENCES calendar_revisions(id) ON DELETE CASCADE,
  window_id     TEXT NOT NULL,
  programme_id  TEXT NOT NULL,
  change        TEXT NOT NULL,                  -- JSON: domain/revision_json.h
  PRIMARY KEY (revision_id, window_id)
) WITHOUT ROWID;
CREATE INDEX revision_changes_by_programme ON revision_changes(programme_id, revision_id);
)sql";

// Version 9: change notices — revisions are staged before release and keep the files they were
// read from; the ledger of what each endpoint was last told of each window; change notices in
// messages; change events, once per (window, from, to) (store/revision_store.h); what each feed
// event last said, so a withdrawn one stays in the feeds as cancelled (store/feed_store.h).
const char* const kChangeNotices = R"sql(
ALTER TABLE calendar_revisions ADD COLUMN state TEXT NOT NULL DEFAULT 'released'
  CHECK (state IN ('staged', 'released', 'dropped', 'replaced'));
ALTER TABLE calendar_revisions ADD COLUMN base_id INTEGER NOT NULL DEFAULT 0;   -- released revision diffed from
ALTER TABLE calendar_revisions ADD COLUMN release_at INTEGER;                    -- staged: when due
ALTER TABLE calendar_revisions ADD COLUMN released_at INTEGER;
ALTER TABLE calendar_revisions ADD COLUMN closed_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE calendar_revisions ADD COLUMN notices_recorded INTEGER NOT NULL DEFAULT 1;
UPDATE calendar_revisions SET released_at = recorded_at;
CREATE INDEX calendar_revisions_by_state ON calendar_revisions(state, id);

CREATE TABLE calendar_sources (
  calendar_revision  TEXT PRIMARY KEY,         -- the files' hash
  files              TEXT NOT NULL             -- JSON [{"name", "text"}]
) WITHOUT ROWID;

CREATE TABLE told (
  endpoint_id  INTEGER NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
  window_id    TEXT NOT NULL,
  close_told   INTEGER NOT NULL,               -- the close it was last told (a reminder or a notice)
  revision_id  INTEGER,                        -- the release a notice told it of; NULL for a reminder
  told_at      INTEGER NOT NULL,
  PRIMARY KEY (endpoint_id, window_id)
) WITHOUT ROWID;

CREATE TABLE change_events (
  key            TEXT PRIMARY KEY,             -- window id | from revision | to revision
  window_id      TEXT NOT NULL,
  from_revision  INTEGER NOT NULL,
  to_revision    INTEGER NOT NULL,
  recorded_at    INTEGER NOT NULL,
  messages       INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE message_changes (
  message_id   TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  window_id    TEXT NOT NULL,
  event_key    TEXT NOT NULL,
  revision_id  INTEGER NOT NULL,               -- the release it tells of
  change       TEXT NOT NULL,                  -- JSON: domain/change_notice_json.h
  close_told   INTEGER NOT NULL,               -- what the ledger records once it is sent
  open_until   INTEGER NOT NULL,               -- nothing is sent about the window from here on
  superseded   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (message_id, window_id)
) WITHOUT ROWID;
CREATE INDEX message_changes_by_window ON message_changes(window_id, superseded);

ALTER TABLE feed_events ADD COLUMN record TEXT;        -- what the event last said (ical/feed_book.cc)
ALTER TABLE feed_events ADD COLUMN ends_at INTEGER;    -- its window's close
ALTER TABLE feed_events ADD COLUMN gone_at INTEGER;    -- withdrawn from the calendar: shown cancelled
)sql";

// Version 10: the failed attempts of an endpoint's current failing streak (since failing_since),
// so the "failing" mail waits for more than one (EndpointHealthPolicy::failing_notice_attempts).
// Counted afresh whenever a failure finds failing_since empty: no reset is needed elsewhere.
const char* const kFailingStreak = R"sql(
ALTER TABLE endpoints ADD COLUMN streak_failures INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 11: a subscribe request answered while the per-address limits held its mail back
// (ConfirmationMailPolicy) leaves the mail due here; the daemon sends it when the limits allow.
// One column, so at most one mail is due per address; its kind follows the state when sent.
const char* const kDueAccountMails = R"sql(
ALTER TABLE subscribers ADD COLUMN account_mail_due_at INTEGER;
CREATE INDEX subscribers_account_mail_due ON subscribers (account_mail_due_at) WHERE account_mail_due_at IS NOT NULL;
)sql";

// Version 12: a name the owner gives each endpoint, so that two webhooks to the same host can be told apart
// on the manage page (issue 21); '' for those made before (the page then shows a default).
const char* const kEndpointNames = R"sql(
ALTER TABLE endpoints ADD COLUMN name TEXT NOT NULL DEFAULT '';
)sql";

// Version 13: firings (issue "Delivery at scale") — each fan-out is recorded first with the
// highest endpoint id it covers, then completed in chunks of endpoints, each chunk one
// transaction that moves done_through; a crash resumes after the last committed chunk. A
// reminder firing keeps its triggers with the facts filters match (the chunks read them after a
// restart as well); a notices firing names the release and the revision it was compared with.
// Messages of a firing are unique per endpoint: a resumed chunk can never double one.
const char* const kFirings = R"sql(
CREATE TABLE firings (
  id                INTEGER PRIMARY KEY,
  kind              TEXT NOT NULL CHECK (kind IN ('on_time', 'late', 'notices')),
  created_at        INTEGER NOT NULL,
  last_endpoint_id  INTEGER NOT NULL,
  done_through      INTEGER NOT NULL DEFAULT 0,
  messages          INTEGER NOT NULL DEFAULT 0,
  finished_at       INTEGER,
  revision_id       INTEGER NOT NULL DEFAULT 0,
  base_id           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX firings_unfinished ON firings(id) WHERE finished_at IS NULL;

CREATE TABLE firing_triggers (
  firing_id       INTEGER NOT NULL REFERENCES firings(id) ON DELETE CASCADE,
  key             TEXT NOT NULL,
  window_id       TEXT NOT NULL,
  programme_id    TEXT NOT NULL,
  lead            TEXT NOT NULL,
  due_at          INTEGER NOT NULL,
  closes_at       INTEGER NOT NULL,
  grp             TEXT NOT NULL,
  category        TEXT NOT NULL,
  authority_text  TEXT NOT NULL,
  role            TEXT NOT NULL,
  search_text     TEXT NOT NULL,
  PRIMARY KEY (firing_id, key)
) WITHOUT ROWID;

ALTER TABLE messages ADD COLUMN firing_id INTEGER;
CREATE UNIQUE INDEX messages_per_firing ON messages(firing_id, endpoint_id) WHERE firing_id IS NOT NULL;
)sql";

// Version 14: the claim lease columns PostgreSQL's several nodes need (pg/pg_schema.cc, version
// 2). One daemon owns a SQLite file, so nothing here sets them; they exist so that the tables
// are equal on both backends and `deadlinectl migrate` moves a database either way.
const char* const kClaimLeases = R"sql(
ALTER TABLE messages ADD COLUMN claimed_by TEXT;
ALTER TABLE messages ADD COLUMN lease_until INTEGER;
)sql";

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1, "subscribers and endpoints", kSubscribersAndEndpoints},
      {2, "outbox: triggers, messages, deliveries", kOutbox},
      {3, "endpoint health for delivery", kEndpointHealth},
      {4, "hard failures of email addresses", kHardFailures},
      {5, "confirmation mails per address", kConfirmationMails},
      {6, "endpoint notices", kEndpointNotices},
      {7, "calendar feed event versions", kFeedEvents},
      {8, "calendar revisions", kCalendarRevisions},
      {9, "change notices", kChangeNotices},
      {10, "failed attempts of an endpoint's failing streak", kFailingStreak},
      {11, "subscribe mails held back by the per-address limits", kDueAccountMails},
      {12, "endpoint names", kEndpointNames},
      {13, "firings: fan-outs in chunks", kFirings},
      {14, "claim leases (PostgreSQL's nodes; unused here)", kClaimLeases},
  };
  return all;
}

int latest_schema_version() { return migrations().back().version; }

int schema_version(SQLite::Database& db) { return db.execAndGet("PRAGMA user_version").getInt(); }

Status migrate(SQLite::Database& db, int target) {
  try {
    const int current = schema_version(db);
    if (current > latest_schema_version()) {
      return Status::failure("database schema version " + std::to_string(current) +
                             " is newer than this deadlined knows (" +
                             std::to_string(latest_schema_version()) + "); refusing to touch it");
    }
    for (const Migration& m : migrations()) {
      if (m.version <= current || m.version > target) continue;
      SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
      // Read again under the write lock: another process may have migrated meanwhile.
      if (schema_version(db) >= m.version) continue;
      db.exec(m.sql);
      db.exec("PRAGMA user_version = " + std::to_string(m.version));
      transaction.commit();
    }
    return ok_status();
  } catch (const std::exception& e) {
    return Status::failure(std::string("migrating the database: ") + e.what());
  }
}

}  // namespace deadline::store
