#pragma once
// What the scheduler (firing/scheduler_pass.h) asks of the store: the cursor up to which
// triggers are handled, firing triggers into the outbox, and the outbox's upkeep.
//
// Every call is one transaction: after a crash either all of its effect is there or none. A
// fan-out is many calls (a firing, then its chunks), each of them one transaction.
// Calls come from one thread at a time (the store thread).

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "store/records.h"

namespace deadline::store {

// The who-is-told rule of each released revision whose notices are being fanned out, by id.
using NoticeDeciders = std::map<std::int64_t, NoticeDecider>;

class SchedulingStore {
 public:
  virtual ~SchedulingStore() = default;

  // The instant up to which triggers have been handled; nullopt before the first start.
  virtual Result<std::optional<Instant>> cursor() = 0;

  // Moves the cursor forward to `to` without firing anything. Never moves it back: an earlier
  // `to` (the clock jumped back) leaves it where it is.
  virtual Status advance_cursor(Instant to) = 0;

  // The calendar revision the next start_firing and record_missed take their triggers from (the
  // pass's plan). A store several daemons share records nothing from a plan whose revision is
  // no longer the latest released one: another node released a newer calendar, and until this
  // node follows it (daemon/deadlined/calendar_authority.h) its old plan fires nothing; those
  // calls fail, naming both revisions. A store of one daemon, whose files are the calendar,
  // ignores it.
  virtual void plan_from(const std::string& calendar_revision) { (void)calendar_revision; }

  // Records a firing for `triggers`, in one short transaction: each trigger not recorded before
  // (by key) is recorded, and the firing with them and the highest endpoint id it covers. Moves
  // the cursor to `cursor` (never back). No message yet: continue_firing adds them in chunks.
  // Guarantees: a trigger recorded before records nothing again, so a repeated fire (a crash
  // between fire and the next pass, a restart) never sends a reminder twice. Nothing new → no
  // firing (firing_id 0).
  virtual Result<FireOutcome> start_firing(const std::vector<Trigger>& triggers, FireKind kind, Instant now,
                                           Instant cursor) = 0;

  // One chunk of the oldest unfinished firing: the next endpoints by id, at most `max_endpoints`,
  // in one transaction that also records how far the firing got (so a crash resumes after the
  // last committed chunk, and messages are unique per firing and endpoint). Each endpoint is
  // taken as it is now: a reminder firing gives every active endpoint of an active subscriber
  // whose filters match a trigger's window (domain/window_facts.h) and whose leads include the
  // trigger's one message (a digest) holding one delivery per matching trigger — the latest lead
  // per window — and expires older unsent messages the new deliveries replace entirely; a notice
  // firing asks `deciders` (by revision id) about each endpoint (revision_store.h). No message is
  // made for a window closed by `now`. firing_id 0 in the outcome: nothing was unfinished.
  virtual Result<ChunkOutcome> continue_firing(Instant now, int max_endpoints, const NoticeDeciders& deciders) = 0;

  // Firings whose chunks are not all done, oldest first.
  virtual Result<std::vector<FiringRecord>> unfinished_firings() = 0;

  // start_firing, then every chunk of it (and of any firing left unfinished before it) at once:
  // for tests, benchmarks and tools that have nobody to keep waiting.
  Result<FireOutcome> fire(const std::vector<Trigger>& triggers, FireKind kind, Instant now, Instant cursor,
                           int max_endpoints = kDefaultFanoutChunk);

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

// Runs every unfinished firing to its end, chunk after chunk, at `now` (what the scheduler does
// one chunk per turn of the store thread): the sum of the chunks' outcomes.
Result<ChunkOutcome> finish_firings(SchedulingStore& store, Instant now, int max_endpoints,
                                    const NoticeDeciders& deciders = {});

inline Result<FireOutcome> SchedulingStore::fire(const std::vector<Trigger>& triggers, FireKind kind, Instant now,
                                                 Instant cursor, int max_endpoints) {
  auto outcome = start_firing(triggers, kind, now, cursor);
  if (!outcome) return outcome;
  const auto chunks = finish_firings(*this, now, max_endpoints);
  if (!chunks) return Result<FireOutcome>::failure(chunks.error());
  FireOutcome fired = *outcome;
  fired.messages = chunks->messages;
  fired.deliveries = chunks->deliveries;
  fired.superseded_messages = chunks->superseded;
  return Result<FireOutcome>::success(fired);
}

inline Result<ChunkOutcome> finish_firings(SchedulingStore& store, Instant now, int max_endpoints,
                                           const NoticeDeciders& deciders) {
  ChunkOutcome sum;
  for (;;) {
    const auto chunk = store.continue_firing(now, max_endpoints, deciders);
    if (!chunk) return chunk;
    if (chunk->firing_id == 0) return Result<ChunkOutcome>::success(sum);
    sum.messages += chunk->messages;
    sum.deliveries += chunk->deliveries;
    sum.superseded += chunk->superseded;
  }
}

}  // namespace deadline::store
