#pragma once
// A calendar feed event's version (RFC 5545 SEQUENCE and LAST-MODIFIED): the feed writer hashes
// each event's content (ical/feed_book.h), the store keeps the version that hash has reached.

#include <string>

#include "time/instant.h"

namespace deadline {

struct FeedEventDigest {
  std::string uid;
  std::string content_hash;
};

struct FeedEventVersion {
  std::string uid;
  int sequence = 0;
  Instant last_modified;
};

}  // namespace deadline
