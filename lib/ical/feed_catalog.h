#pragma once
// The feeds in force: the current FeedBook (one per calendar snapshot, versioned by the store)
// and the feeds rendered from it, each once per book and selection. Thread-safe: HTTP handlers
// read it from the main and the store thread; the daemon replaces the book on reload.

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "ical/feed_book.h"

namespace deadline::ical {

class FeedCatalog {
 public:
  // A new book; the feeds rendered from the old one are dropped.
  void replace(std::shared_ptr<const FeedBook> book);
  std::shared_ptr<const FeedBook> book() const;
  // The feed for `selection` from the current book; nullptr before the first book.
  std::shared_ptr<const RenderedFeed> feed(const FeedSelection& selection);

 private:
  // Personal feeds are keyed by their filters, not their owner: subscribers with the same
  // choices share one entry. The bound keeps odd filter combinations from growing it forever.
  static constexpr std::size_t kMaxCached = 512;

  mutable std::mutex mutex_;
  std::shared_ptr<const FeedBook> book_;
  std::unordered_map<std::string, std::shared_ptr<const RenderedFeed>> rendered_;
};

}  // namespace deadline::ical
