#pragma once
// What the scheduler (firing/scheduler_pass.h) asks of the store: the cursor up to which
// triggers are handled, firing triggers into the outbox, and the outbox's upkeep.
//
// Every call is one transaction: after a crash either all of its effect is there or none.
// Calls come from one thread at a time (the store thread).

#include <cstdint>
#include <optional>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "store/records.h"

namespace deadline::store {

class SchedulingStore {
 public:
  virtual ~SchedulingStore() = default;

  // The instant up to which triggers have been handled; nullopt before the first start.
  virtual Result<std::optional<Instant>> cursor() = 0;

  // Moves the cursor forward to `to` without firing anything. Never moves it back: an earlier
  // `to` (the clock jumped back) leaves it where it is.
  virtual Status advance_cursor(Instant to) = 0;

  // Fires `triggers` in ONE transaction: records each trigger not recorded before (by key), and
  // for every active endpoint of an active subscriber whose filters match the trigger's window
  // (domain/window_facts.h) and whose leads include the trigger's, one message holding one
  // delivery per matching trigger — the latest lead only, per endpoint and window. Older unsent
  // messages that the new deliveries replace entirely become expired. Moves the cursor to
  // `cursor` (never back).
  // Guarantees: a trigger recorded before records nothing again, so a repeated fire (a crash
  // between fire and the next pass, a restart) never sends a reminder twice.
  virtual Result<FireOutcome> fire(const std::vector<Trigger>& triggers, FireKind kind, Instant now,
                                   Instant cursor) = 0;

  // Records triggers whose window closed before they could fire (downtime) as missed, with no
  // messages, and moves the cursor to `cursor` (never back). Returns how many were new.
  virtual Result<int> record_missed(const std::vector<Trigger>& triggers, Instant now, Instant cursor) = 0;

  // Unsent messages (pending, retry) whose every window has closed by `now` become expired.
  // Returns how many.
  virtual Result<std::int64_t> expire_closed(Instant now) = 0;

  // Deletes finished messages (delivered, dead, expired) last changed more than the policy's
  // days ago, and the address and endpoints of subscribers unsubscribed longer than its days (a
  // hash of the address stays, so it is still known), and calendar revisions whose every window
  // closed more than finished_message_days ago (never the latest: the next one is compared with
  // it). Triggers stay: they are what keeps a reminder from being sent twice.
  virtual Result<PurgeOutcome> purge(Instant now, const RetentionPolicy& policy) = 0;
};

}  // namespace deadline::store
