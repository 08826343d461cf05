#pragma once
// What the senders ask of the store: the dispatcher (delivery/dispatcher.h) claims ready
// messages and records what became of each attempt; the notice sender (delivery/notice_sender.h)
// tells subscribers about their endpoints; `deadlinectl bounce` records bounces.
//
// Every call is one transaction. A message keeps its id through every attempt (the Message-ID
// or webhook-id), so a receiver that sees one twice after a crash can tell.

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "store/records.h"

namespace deadline::store {

class OutboxStore {
 public:
  virtual ~OutboxStore() = default;

  // At start: messages left 'sending' by a crash go back to 'retry' at once, keeping their id.
  // Returns how many.
  virtual Result<std::int64_t> requeue_interrupted(Instant now) = 0;

  // Claimed messages that were never sent (claimed ahead when the dispatcher stopped) go back
  // to ready at once, their attempt given back. Ids not 'sending' are left alone.
  virtual Status release_claims(const std::vector<std::string>& ids, Instant now) = 0;

  // Claims up to `limit` messages due at `now` (pending, or retry whose time has come) of active
  // endpoints of the given kinds, with at most `per_endpoint` sending per endpoint at a time:
  // marks them 'sending' with one more attempt. Messages with nothing left to say (every
  // reminder superseded or its window closed) are expired instead of claimed. A claim's commit
  // may be lost in a power cut (store/sqlite_support.h RelaxedDurability): the message is then
  // simply claimed again, with the same id.
  virtual Result<std::vector<OutboundMessage>> claim_ready(Instant now, const std::vector<EndpointKind>& kinds,
                                                           int limit, int per_endpoint) = 0;

  // Records attempts' outcomes in one transaction (batched: not one fsync per message), and the
  // endpoints' health: a success clears it; failures for longer than the policy allows, or a
  // result asking for it, disable the endpoint with the error as the reason, or mark it
  // needs_attention. A disabled endpoint's unsent messages expire (reenable replays them), and a
  // notice for its subscriber is recorded. A "failing" notice is recorded once per failing streak
  // (from the first failure after a success, a re-enable or the start), at the first failure of a
  // message other than a test one (AttemptResult::test_message) that finds the streak at least
  // policy.failing_notice_after old with at least policy.failing_notice_attempts failures (this
  // one included). Returns the ids of endpoints disabled now.
  virtual Result<std::vector<std::int64_t>> record_attempts(const std::vector<AttemptResult>& results, Instant now,
                                                             const EndpointHealthPolicy& policy) = 0;

  // A bounce for `bounce.message_id`: a permanent one marks the message dead (it did not reach
  // its reader, whatever the relay said first) and counts as a hard failure of the endpoint; a
  // temporary one (delayed) is only noted. Fails when the message is unknown.
  virtual Result<BounceOutcome> record_bounce(const Bounce& bounce, Instant now,
                                              const EndpointHealthPolicy& policy) = 0;

  // Notices record_attempts and disable_endpoint left for subscribers, oldest first, at most
  // `limit`; and marking them handled once handed to the mailer (at most once: a notice marked
  // sent is never returned again).
  virtual Result<std::vector<PendingNotice>> pending_notices(int limit) = 0;
  virtual Status mark_notices_sent(const std::vector<std::int64_t>& ids, Instant now) = 0;
};

}  // namespace deadline::store
