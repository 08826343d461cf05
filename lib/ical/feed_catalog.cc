#include "ical/feed_catalog.h"

namespace deadline::ical {

void FeedCatalog::replace(std::shared_ptr<const FeedBook> book) {
  const std::lock_guard<std::mutex> lock(mutex_);
  book_ = std::move(book);
  rendered_.clear();
}

std::shared_ptr<const FeedBook> FeedCatalog::book() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return book_;
}

std::shared_ptr<const RenderedFeed> FeedCatalog::feed(const FeedSelection& selection) {
  const std::string key = selection.key();
  std::shared_ptr<const FeedBook> book;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (!book_) return nullptr;
    if (const auto it = rendered_.find(key); it != rendered_.end()) return it->second;
    book = book_;
  }
  // Rendered outside the lock: two first requests may both render; the bytes are the same.
  auto feed = std::make_shared<const RenderedFeed>(book->render(selection));
  const std::lock_guard<std::mutex> lock(mutex_);
  if (book_ != book) return feed;  // replaced meanwhile: serve it, do not cache it under the new book
  if (rendered_.size() >= kMaxCached) rendered_.clear();
  rendered_.emplace(key, feed);
  return feed;
}

}  // namespace deadline::ical
