#pragma once
// What calendar feeds ask of the store (ical/feed_book.h, web/feed_routes.h; the daemon and
// `deadlinectl feed` at each calendar load): the version of every event (RFC 5545 SEQUENCE and
// LAST-MODIFIED), and the choices behind a personal feed link.

#include <cstdint>
#include <optional>
#include <vector>

#include "base/result.h"
#include "store/records.h"

namespace deadline::store {

class FeedStore {
 public:
  virtual ~FeedStore() = default;

  // The version of every feed event given (by UID and content hash), recording changes in one
  // transaction: a new UID starts at SEQUENCE 0, a changed hash raises SEQUENCE and moves
  // LAST-MODIFIED to `now`, an unchanged one keeps both. A UID stored with a record and not given
  // is *gone*: the first sync without it raises its SEQUENCE once (LAST-MODIFIED `now`), and it is
  // returned in `gone`, with its record, until kWithdrawnInFeedsFor after its `ends`. Given again,
  // it goes on from its SEQUENCE. Idempotent: the daemon calls it for every calendar it releases,
  // deadlinectl for every calendar it loads.
  virtual Result<FeedSync> sync_feed_events(const std::vector<FeedEventDigest>& events, Instant now) = 0;
  // As SubscriptionStore::load_subscription: what a personal feed link opens.
  virtual Result<std::optional<Subscription>> load_subscription(std::int64_t subscriber_id,
                                                                std::int64_t generation) = 0;
};

}  // namespace deadline::store
