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
// empty: a listener claims what is ready, whatever woke it.
//
// Only INSERTs: the UPDATEs that make a message ready again (a replay, a re-enabled endpoint, a
// claim given back) run on a daemon that wakes its own dispatcher, and a retry's later attempt
// is found by polling at its time anyway.

namespace deadline::pg {

// The channel the trigger notifies and PgListener listens on by default.
inline constexpr const char* kMessagesChannel = "deadlined_messages";

// PostgreSQL schema migration 3 (pg_schema.cc). The channel's name is written out as
// kMessagesChannel spells it (tests/pg/pg_listener_test.cc checks the two meet).
inline constexpr const char kNotifyOnNewMessages[] = R"sql(
CREATE FUNCTION deadlined_notify_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('deadlined_messages', '');
  RETURN NULL;
END
$$;
CREATE TRIGGER messages_notify AFTER INSERT ON messages
  FOR EACH STATEMENT EXECUTE FUNCTION deadlined_notify_messages();
)sql";

}  // namespace deadline::pg
