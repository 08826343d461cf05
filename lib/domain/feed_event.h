#pragma once
// A calendar feed event's version (RFC 5545 SEQUENCE and LAST-MODIFIED): the feed writer hashes
// each event's content (ical/feed_book.h), the store keeps the version that hash has reached.
// The store also keeps what each event last said, so that an event whose window was removed
// from the calendar (or whose estimate is no longer made) can stay in the feeds as cancelled
// (issue "Change notices"): a calendar app then drops it instead of keeping a stale date.

#include <chrono>
#include <string>
#include <vector>

#include "time/instant.h"

namespace deadline {

// How long an event withdrawn from the calendar stays in the feeds as STATUS:CANCELLED after
// the close it had: long enough for every calendar app to refresh and drop it.
inline constexpr std::chrono::days kWithdrawnInFeedsFor{30};

struct FeedEventDigest {
  std::string uid;
  std::string content_hash;
  std::string record;   // what to show if the event is withdrawn (opaque to the store; ical/feed_book.cc);
                        // "": not kept, never shown as withdrawn
  Instant ends{};       // the window's close: a withdrawn event leaves the feeds kWithdrawnInFeedsFor after
};

struct FeedEventVersion {
  std::string uid;
  int sequence = 0;
  Instant last_modified;
};

// An event the calendar no longer has, still shown as cancelled: its SEQUENCE was raised once
// when it went, and its record is what it last said.
struct FeedGoneEvent {
  FeedEventVersion version;
  std::string record;
};

struct FeedSync {
  std::vector<FeedEventVersion> versions;   // of the events given, in their order
  std::vector<FeedGoneEvent> gone;          // by uid
};

}  // namespace deadline
