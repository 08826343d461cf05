#pragma once
// Everything deadlined keeps, seen by each of its clients through one narrow interface:
//
//   SchedulingStore   (scheduling_store.h)    the scheduler: cursor, firing, expiry, retention
//   OutboxStore       (outbox_store.h)        the dispatcher and the notice sender; bounces
//   SubscriptionStore (subscription_store.h)  the subscriber's pages and the JSON API
//   AdminStore        (admin_store.h)         the admin API and deadlinectl
//   FeedStore         (feed_store.h)          calendar feeds
//   RevisionStore     (revision_store.h)      calendar revisions: the daemon records, history reads
//
// A backend implements all six as one Store: SQLite today (sqlite_store.h), PostgreSQL later.
// The contract each interface promises is tested once, for every backend
// (tests/store/contract/). A client is handed only its interface (store_client.h), so what it
// may do to the data is visible in its constructor.
//
// Implementations are used from one thread (the store thread, store_thread.h); every method is
// one transaction, so a crash leaves either all of its effect or none.

#include "store/admin_store.h"
#include "store/feed_store.h"
#include "store/outbox_store.h"
#include "store/revision_store.h"
#include "store/scheduling_store.h"
#include "store/subscription_store.h"

namespace deadline::store {

// A few calls serve two clients and are declared in both interfaces (find_subscriber,
// find_endpoint, unsubscribe, reenable_endpoint, load_subscription): a backend defines each once,
// which overrides both. Call them through the client's interface, not through Store.
class Store : public SchedulingStore,
              public OutboxStore,
              public SubscriptionStore,
              public AdminStore,
              public FeedStore,
              public RevisionStore {
 public:
  // False while the database cannot be reached: a server backend whose last call found it gone
  // (its failures say "store unavailable", store_support.h); true again once a call gets through.
  // SQLite, a file, is always reachable. Read from any thread (/healthz, on the network thread).
  virtual bool reachable() const { return true; }
};

}  // namespace deadline::store
