// Feeds cut from a calendar: which windows a selection takes (the reminders' matching rule), the
// public query's checks, the cache key, gzip, and versions from the store.

#include "ical/feed_book.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <zlib.h>

#include "base/gzip.h"
#include "calendar/loader.h"
#include "ical/feed_catalog.h"
#include "ical/window_event.h"
#include "schedule/window_match.h"
#include "test_support.h"
#include "time/iso8601.h"
#include "time/zone.h"

using namespace deadline;
using namespace deadline::ical;

namespace {

std::shared_ptr<const Calendar> shared_handbook() {
  static const std::shared_ptr<const Calendar> calendar = [] {
    LoadOutcome outcome = load_calendar_dir(DEADLINED_BUNDLED_CALENDARS);
    REQUIRE(outcome.calendar);
    return std::make_shared<const Calendar>(std::move(*outcome.calendar));
  }();
  return calendar;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::string gunzip(const std::string& data) {
  z_stream stream{};
  REQUIRE(inflateInit2(&stream, 15 + 16) == Z_OK);
  std::string out(data.size() * 20 + 1024, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = inflate(&stream, Z_FINISH);
  inflateEnd(&stream);
  REQUIRE(status == Z_STREAM_END);
  out.resize(stream.total_out);
  return out;
}

}  // namespace

TEST_CASE("filters_match: the fan-out's rule — OR within a field, AND across, substrings for text") {
  const auto calendar = shared_handbook();
  const Programme& p = *calendar->find_programme("jiangsu-specialised-sme-2024-batch2");
  const Window& w = *calendar->windows_of(p.id).front();
  EndpointFilters f;
  CHECK(filters_match(f, p, w));  // no filter: everything
  f.programmes = {"other", p.id};
  CHECK(filters_match(f, p, w));
  f.groups = {"科学技术部门"};
  CHECK_FALSE(filters_match(f, p, w));  // AND across fields
  f.groups = {p.group};
  f.keywords = {"专精特新"};
  CHECK(filters_match(f, p, w));
  f.keywords = {"不存在的词"};
  CHECK_FALSE(filters_match(f, p, w));
  f.keywords.clear();
  f.authorities = {"工业和信息化厅"};  // a substring of the contact
  CHECK(filters_match(f, p, w));
  f.roles = {"推荐单位"};
  CHECK_FALSE(filters_match(f, p, w));
}

TEST_CASE("public_selection checks values against the calendar and names the field") {
  const auto calendar = shared_handbook();
  EndpointFilters asked;
  const auto all = public_selection(asked, *calendar);
  REQUIRE(all);
  CHECK(all->everything);
  asked.groups = {"nope"};
  const auto bad = public_selection(asked, *calendar);
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == "group: no group 'nope' in the calendar");
  asked.groups = {"科学技术部门"};
  asked.programmes = {"missing"};
  CHECK(public_selection(asked, *calendar).error() == "programme: no programme 'missing' in the calendar");
  asked.programmes.clear();
  asked.keywords = {"x"};
  CHECK_FALSE(public_selection(asked, *calendar));
  asked.keywords.clear();
  const auto chosen = public_selection(asked, *calendar);
  REQUIRE(chosen);
  CHECK_FALSE(chosen->everything);
  CHECK(chosen->selections.size() == 1);
}

TEST_CASE("FeedSelection::key: equal selections, equal keys, whatever the order") {
  FeedSelection a, b;
  a.everything = b.everything = false;
  EndpointFilters x, y;
  x.groups = {"B", "A"};
  y.programmes = {"p"};
  a.selections = {x, y};
  std::reverse(x.groups.begin(), x.groups.end());
  b.selections = {y, x, y};
  CHECK(a.key() == b.key());
  b.personal = true;
  CHECK(a.key() != b.key());
  FeedSelection everything;
  FeedSelection nothing;
  nothing.everything = false;
  CHECK(everything.key() != nothing.key());
}

TEST_CASE("FeedBook renders the windows a selection takes, gzip and ETag with them") {
  const auto calendar = shared_handbook();
  const Instant made = *parse_iso8601("2026-11-28T00:00Z");
  FeedBook book(calendar, "deadlined.example.cn", shanghai_zone(), {"reminders@deadlined.example.cn", "申报提醒"}, made);
  const RenderedFeed all = book.render(FeedSelection{});
  CHECK(all.events == calendar->windows().size());
  CHECK(count(all.body, "BEGIN:VEVENT") == calendar->windows().size());
  // Every event names the mails' sender as its ORGANIZER; the email part's events are the same.
  CHECK(count(all.body, "\r\nORGANIZER;CN=\"申报提醒\":mailto:reminders@deadlined.example.cn\r\n") ==
        calendar->windows().size());
  std::vector<const Window*> two;
  for (const Window& w : calendar->windows()) {
    if (two.size() < 2) two.push_back(&w);
  }
  for (const IcalEvent& event : book.events_of(two)) {
    CHECK(event.organizer.address == "reminders@deadlined.example.cn");
    CHECK(event.organizer.name == "申报提醒");
  }
  CHECK(gunzip(all.gzip) == all.body);
  CHECK(all.etag.size() == 34);
  CHECK(all.last_modified == made);

  FeedSelection science;
  science.everything = false;
  science.selections.push_back({});
  science.selections.back().groups = {"科学技术部门"};
  const RenderedFeed some = book.render(science);
  std::size_t expected = 0;
  for (const Window& w : calendar->windows()) expected += calendar->find_programme(w.programme_id)->group == "科学技术部门";
  CHECK(some.events == expected);
  CHECK(some.etag != all.etag);

  FeedSelection none;
  none.everything = false;
  none.personal = true;
  const RenderedFeed empty = book.render(none);
  CHECK(empty.events == 0);
  CHECK(empty.body.find("X-WR-CALNAME:我的申报截止日历") != std::string::npos);
}

TEST_CASE("FeedBook takes the store's versions, the catalog renders once per book and selection") {
  const auto calendar = shared_handbook();
  auto book = std::make_shared<FeedBook>(calendar, "h", shanghai_zone(), Organizer{"a@h.cn", "h"},
                                         *parse_iso8601("2026-11-28T00:00Z"));
  const auto digests = book->digests();
  REQUIRE(digests.size() == calendar->windows().size());
  std::vector<FeedEventVersion> versions;
  for (const auto& d : digests) versions.push_back({d.uid, 3, *parse_iso8601("2026-01-01T00:00Z")});
  book->set_versions(versions);
  FeedCatalog catalog;
  CHECK(catalog.feed(FeedSelection{}) == nullptr);
  catalog.replace(book);
  const auto first = catalog.feed(FeedSelection{});
  REQUIRE(first);
  CHECK(first->body.find("SEQUENCE:3\r\n") != std::string::npos);
  CHECK(first->last_modified == *parse_iso8601("2026-01-01T00:00Z"));
  CHECK(catalog.feed(FeedSelection{}) == first);  // cached
  catalog.replace(std::make_shared<FeedBook>(calendar, "h", shanghai_zone(), Organizer{"a@h.cn", "h"},
                                             *parse_iso8601("2026-11-28T00:00Z")));
  CHECK(catalog.feed(FeedSelection{}) != first);  // a new book starts afresh
}

TEST_CASE("uid_host_of takes the public URL's host") {
  CHECK(uid_host_of("https://deadlined.example.cn") == "deadlined.example.cn");
  CHECK(uid_host_of("http://127.0.0.1:8080") == "127.0.0.1");
  CHECK(uid_host_of("https://example.cn:8443/prefix") == "example.cn");
  CHECK(uid_host_of("http://[::1]:8080") == "[::1]");
}

TEST_CASE("FeedBook shows an event withdrawn from the calendar as cancelled, selected by its facts") {
  const auto calendar = shared_handbook();
  const Instant made = *parse_iso8601("2026-11-28T00:00Z");
  const FeedBook before(calendar, "h", shanghai_zone(), Organizer{"a@h.cn", "h"}, made);
  // What the store kept of two events: one confirmed, one an estimate.
  const auto digests = before.digests();
  const Window* confirmed = nullptr;
  const Window* estimate = nullptr;
  for (const Window& w : calendar->windows()) {
    if (!confirmed && w.status == WindowStatus::confirmed) confirmed = &w;
    if (!estimate && w.estimated()) estimate = &w;
  }
  REQUIRE((confirmed && estimate));
  std::vector<FeedGoneEvent> gone;
  for (const Window* w : {confirmed, estimate}) {
    const std::string uid = window_uid(*w, "h");
    const auto d = std::find_if(digests.begin(), digests.end(), [&](const FeedEventDigest& x) { return x.uid == uid; });
    REQUIRE(d != digests.end());
    CHECK(d->ends == w->closes.at);
    gone.push_back({{uid, 4, made}, d->record});
  }
  gone.push_back({{"broken@h", 1, made}, "not json"});  // left out, not shown wrong
  // A book of the calendar as it is now, told which events are gone.
  FeedBook after(calendar, "h", shanghai_zone(), Organizer{"a@h.cn", "h"}, made);
  after.add_withdrawn(gone);
  const auto shown = after.withdrawn_event(window_uid(*confirmed, "h"));
  REQUIRE(shown);
  CHECK(shown->cancelled);
  CHECK(shown->sequence == 4);
  CHECK(shown->summary.starts_with("【已撤回】"));
  CHECK(after.withdrawn_event(window_uid(*estimate, "h"))->summary.starts_with("【不再预估】"));
  CHECK_FALSE(after.withdrawn_event("broken@h"));
  const RenderedFeed all = after.render(FeedSelection{});
  CHECK(all.events == calendar->windows().size() + 2);
  // A selection of the confirmed window's programme alone takes its withdrawn event too (here the
  // window is also still in the calendar, so its UID shows twice; in use a gone UID is not).
  FeedSelection only;
  only.everything = false;
  only.selections.push_back(EndpointFilters{{confirmed->programme_id}, {}, {}, {}, {}, {}});
  const RenderedFeed one = after.render(only);
  CHECK(count(one.body, "UID:" + window_uid(*confirmed, "h") + "\r\n") == 2);
  CHECK(count(one.body, "UID:" + window_uid(*estimate, "h") + "\r\n") ==
        (estimate->programme_id == confirmed->programme_id ? 2u : 0u));
}
