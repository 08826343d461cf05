#pragma once
// Every window of one calendar snapshot as a feed event, with its stored version, and the feeds
// cut from it: the public feed (all programmes, or those a query's filters select) and each
// subscriber's personal feed (the windows their endpoints' filters select). Immutable once
// versioned: HTTP sessions on any thread share one.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "calendar/calendar.h"
#include "ical/feed_writer.h"
#include "domain/endpoint.h"
#include "domain/feed_event.h"
#include "domain/window_facts.h"

namespace deadline::ical {

// One feed's bytes, ready to serve.
struct RenderedFeed {
  std::string body;          // text/calendar; charset=utf-8
  std::string gzip;          // body, gzip-compressed (Content-Encoding: gzip)
  std::string etag;          // strong validator: a quoted hash of body
  Instant last_modified;     // the latest LAST-MODIFIED of its events (else the book's own time)
  std::size_t events = 0;
};

// What a feed shows: every window, or those that any of `selections` selects
// (schedule/window_match.h: the same rule as the reminders; none selected when it is empty).
struct FeedSelection {
  bool everything = true;
  std::vector<EndpointFilters> selections;
  bool personal = false;     // names the feed as the subscriber's own
  // A canonical text of the selection: equal texts, equal feeds (the cache's key).
  std::string key() const;
};

// A public feed's selection from the filters asked for (programmes, groups, categories,
// authorities; the other fields must be empty), checked against the calendar: programme ids,
// groups and categories it knows, authority as a substring. No filter: every window. The error
// names the field and the value.
Result<FeedSelection> public_selection(EndpointFilters asked, const Calendar& calendar);

class FeedBook {
 public:
  // Every window of `calendar` as an event (a cancelled one until kWithdrawnInFeedsFor after its
  // close); UIDs on `uid_host`; times shown in `zone`; each event
  // with `organizer` as its ORGANIZER (feeds and email parts alike). Versions start unset
  // (SEQUENCE 0, LAST-MODIFIED `made_at`) until set_versions.
  FeedBook(std::shared_ptr<const Calendar> calendar, std::string uid_host, const date::time_zone& zone,
           Organizer organizer, Instant made_at);

  // UID and content hash of every event, for store::FeedStore::sync_feed_events.
  std::vector<FeedEventDigest> digests() const;
  // What the store answered; call before the book is shared.
  void set_versions(const std::vector<FeedEventVersion>& versions);
  // Events the calendar no longer has (store::FeedStore::sync_feed_events' `gone`), shown as
  // cancelled in every feed whose selection they match, as they last were; call before sharing.
  void add_withdrawn(const std::vector<FeedGoneEvent>& gone);

  RenderedFeed render(const FeedSelection& selection) const;
  // The events of the given windows (feed UIDs and versions), for an email's text/calendar part.
  std::vector<IcalEvent> events_of(const std::vector<const Window*>& windows) const;

  // The cancelled event of a window withdrawn from the calendar (add_withdrawn), by its UID:
  // the email's calendar part gives it the SEQUENCE the feeds show.
  std::optional<IcalEvent> withdrawn_event(std::string_view uid) const;

  const Calendar& calendar() const { return *calendar_; }
  const date::time_zone& zone() const { return zone_; }

 private:
  struct Entry {
    const Window* window;       // nullptr for an event withdrawn from the calendar
    WindowFacts facts;          // what selections match
    IcalEvent event;
  };
  std::shared_ptr<const Calendar> calendar_;
  std::string uid_host_;
  const date::time_zone& zone_;
  Instant made_at_;
  std::vector<Entry> entries_;  // in the calendar's window order: by close
};

// The host part of feed UIDs: the public URL's host ("deadlines.example.cn"), so UIDs stay
// stable for as long as the public address does.
std::string uid_host_of(std::string_view public_url);

// The refresh advice every feed carries and the pages repeat (docs/http-api.md, "Feeds").
extern const char* const kFeedRefreshNote;

}  // namespace deadline::ical
