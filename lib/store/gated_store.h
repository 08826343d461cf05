#pragma once
// A Store whose firing and sending pause while a gate is closed. A node on PostgreSQL has two:
// one closed while it has lost the owner lock (pg/owner_lock_keeper.h: an offline deadlinectl
// verb may hold the database then), one closed while its calendar is not the database's
// (a node started with stale files must never fire or tell from them). Requests (subscribing,
// pages, the admin API) go on: they are what a person is waiting for, and they never send on
// their own.
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
  // `closed_because` ends the failure message of a paused call. `closed_is_unreachable`: while
  // closed, reachable() is false (the owner lock's gate: its loss means the server is away or an
  // offline verb holds it); the calendar's gate leaves that to the store, /healthz says
  // "calendar" itself.
  enum class WhenClosed { unreachable, reachable_as_the_store_says };
  GatedStore(std::unique_ptr<Store> target, std::shared_ptr<const std::atomic<bool>> open, std::string closed_because,
             WhenClosed when_closed = WhenClosed::unreachable)
      : ForwardingStore(std::move(target)),
        open_(std::move(open)),
        closed_because_(std::move(closed_because)),
        when_closed_(when_closed) {}

  // Paused is unavailable, as the paused calls below say. While paused they never reach the
  // database, so its own reachable() kept what the last call before found: an idle daemon whose
  // owner lock's connection went first (the server stopped) answered /healthz 200, "store": "ok",
  // for the whole outage, and a load balancer kept sending people to it.
  bool reachable() const override {
    return (when_closed_ != WhenClosed::unreachable || !paused()) && ForwardingStore::reachable();
  }

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
  std::string why(const char* operation) const {
    return failure_message(operation, "paused: " + closed_because_, true);
  }
  std::shared_ptr<const std::atomic<bool>> open_;
  std::string closed_because_;
  WhenClosed when_closed_;
};

}  // namespace deadline::store
