#pragma once
// A Store whose firing and sending pause while a gate is closed: the daemon on PostgreSQL closes
// it when it loses the owner lock (pg/owner_lock_keeper.h), because another daemon may hold the
// lock then, and two daemons firing or claiming on one database would send twice. Requests
// (subscribing, pages, the admin API) go on: they are what a person is waiting for, and they
// never send on their own.
//
// A paused call fails as an unavailable store does ("store unavailable: …"): the scheduler and
// the dispatcher already try again on their next turn, so nothing is lost, only delayed.

#include <atomic>
#include <memory>
#include <string>

#include "store/forwarding_store.h"
#include "store/store_support.h"

namespace deadline::store {

class GatedStore final : public ForwardingStore {
 public:
  // `open` is read on every gated call; whoever owns it opens and closes it (any thread).
  GatedStore(std::unique_ptr<Store> target, std::shared_ptr<const std::atomic<bool>> open)
      : ForwardingStore(std::move(target)), open_(std::move(open)) {}

  // Paused is unavailable, as the paused calls below say. While paused they never reach the
  // database, so its own reachable() kept what the last call before found: an idle daemon whose
  // owner lock's connection went first (the server stopped) answered /healthz 200, "store": "ok",
  // for the whole outage, and a load balancer kept sending people to it.
  bool reachable() const override { return !paused() && ForwardingStore::reachable(); }

  // --- the scheduler's firing
  Status advance_cursor(Instant to) override {
    return paused() ? Status::failure(why("advancing the cursor")) : ForwardingStore::advance_cursor(to);
  }
  Result<FireOutcome> start_firing(const std::vector<Trigger>& triggers, FireKind kind, Instant now,
                                   Instant cursor) override {
    if (paused()) return Result<FireOutcome>::failure(why("firing"));
    return ForwardingStore::start_firing(triggers, kind, now, cursor);
  }
  Result<ChunkOutcome> continue_firing(Instant now, int max_endpoints, const NoticeDeciders& deciders) override {
    if (paused()) return Result<ChunkOutcome>::failure(why("firing"));
    return ForwardingStore::continue_firing(now, max_endpoints, deciders);
  }
  Result<int> record_missed(const std::vector<Trigger>& triggers, Instant now, Instant cursor) override {
    if (paused()) return Result<int>::failure(why("recording missed triggers"));
    return ForwardingStore::record_missed(triggers, now, cursor);
  }
  // --- sending: claims of reminders, notices and account mails
  Result<std::int64_t> requeue_interrupted(Instant now) override {
    if (paused()) return Result<std::int64_t>::failure(why("requeueing interrupted messages"));
    return ForwardingStore::requeue_interrupted(now);
  }
  Result<std::vector<OutboundMessage>> claim_ready(Instant now, const std::vector<EndpointKind>& kinds, int limit,
                                                   int per_endpoint) override {
    if (paused()) return Result<std::vector<OutboundMessage>>::failure(why("claiming messages"));
    return ForwardingStore::claim_ready(now, kinds, limit, per_endpoint);
  }
  Result<std::vector<PendingNotice>> pending_notices(int limit) override {
    if (paused()) return Result<std::vector<PendingNotice>>::failure(why("taking notices"));
    return ForwardingStore::pending_notices(limit);
  }
  Result<std::vector<AccountMail>> take_due_account_mails(Instant now, const ConfirmationMailPolicy& policy) override {
    if (paused()) return Result<std::vector<AccountMail>>::failure(why("taking account mails"));
    return ForwardingStore::take_due_account_mails(now, policy);
  }
  Result<NoticeOutcome> record_change_notices(std::int64_t id, const NoticeDecider& decide, Instant now) override {
    if (paused()) return Result<NoticeOutcome>::failure(why("recording change notices"));
    return ForwardingStore::record_change_notices(id, decide, now);
  }

 private:
  bool paused() const { return !open_->load(std::memory_order_acquire); }
  static std::string why(const char* operation) {
    return failure_message(operation, "paused: this daemon does not hold the database's owner lock", true);
  }
  std::shared_ptr<const std::atomic<bool>> open_;
};

}  // namespace deadline::store
