#pragma once
// The cue that new messages are in the outbox, for the other daemons on one PostgreSQL database
// (issue 24): every statement that inserts into `messages` NOTIFYs a channel, and each daemon's
// PgListener (pg_listener.h) LISTENs on it and wakes its dispatcher.
//
// A trigger rather than a NOTIFY beside each INSERT in the store: messages are created in many
// places (fan-out chunks, change notices, test messages, a database moved by `deadlinectl
// migrate`), and a new one cannot forget it. Statement-level, so a fan-out chunk of thousands of
// rows costs one pg_notify, not one per row; PostgreSQL delivers notifications at commit (none
// for a rolled-back chunk) and folds identical ones of a transaction into one. The payload is
// empty: a listener claims what is ready, whatever woke it. A statement-level trigger fires for
// an INSERT of no rows too (a fan-out chunk or change notice that matched no endpoint): the
// transition table lets it stay quiet then. Its cost did not show against the insert's own
// (INSERT … SELECT of 0, 1, 2,000 and 20,000 rows into a copy of messages with its indexes,
// medians of 15 runs on the 2-core development machine: 0.27, 0.48, 10.4 and 123 ms with it,
// 0.21, 0.46, 10.6 and 120 ms without).
//
// Only INSERTs: the UPDATEs that make a message ready again (an admin replay, a re-enabled
// endpoint, claims given back at a shutdown, a restart's requeue) are left to each daemon's
// poll, a second at most; the replay and the requeue wake the daemon that made them at once. An
// UPDATE trigger would run on every claim and every result, the outbox's busiest statements.

namespace deadline::pg {

// The channel the trigger notifies and PgListener listens on by default.
inline constexpr const char* kMessagesChannel = "deadlined_messages";

// PostgreSQL schema migration 3 (pg_schema.cc). The channel's name is written out as
// kMessagesChannel spells it (tests/pg/pg_listener_test.cc checks the two meet).
inline constexpr const char kNotifyOnNewMessages[] = R"sql(
CREATE FUNCTION deadlined_notify_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT FROM inserted) THEN
    PERFORM pg_notify('deadlined_messages', '');
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER messages_notify AFTER INSERT ON messages REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION deadlined_notify_messages();
)sql";

}  // namespace deadline::pg
