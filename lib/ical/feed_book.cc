#include "ical/feed_book.h"

#include <algorithm>
#include <functional>
#include <unordered_map>

#include "base/gzip.h"
#include "base/sha256.h"
#include <nlohmann/json.hpp>
#include <optional>

#include "ical/window_event.h"
#include "time/iso8601.h"
#include "schedule/window_match.h"

namespace deadline::ical {

const char* const kFeedRefreshNote =
    "日历应用刷新订阅日历较慢（Google 日历约 12–24 小时），也可能不显示提醒；临近截止的提醒请用邮件或机器人接收。";

namespace {

void add_field(std::string& key, const char* name, std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  key += name;
  for (const std::string& v : values) key += '\x1f' + v;
  key += '\x1e';
}

bool known(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// What the store keeps of an event so that it can be shown as cancelled once its window is gone
// from the calendar: the event itself and the facts selections match.
std::string withdrawal_record(const IcalEvent& e, const WindowFacts& facts) {
  using nlohmann::json;
  json when;
  if (const auto* t = std::get_if<IcalEvent::Timed>(&e.when)) {
    when = {{"start", format_utc(t->start)}, {"end", format_utc(t->end)}};
  } else {
    const auto& d = std::get<IcalEvent::AllDay>(e.when);
    // Days since 1970-01-01: a date with no zone to misread.
    when = {{"first", date::sys_days(d.first).time_since_epoch().count()},
            {"end_exclusive", date::sys_days(d.end_exclusive).time_since_epoch().count()}};
  }
  return json{{"summary", e.summary},
              {"description", e.description},
              {"url", e.url},
              {"categories", e.categories},
              {"tentative", e.tentative},
              {"organizer", {{"address", e.organizer.address}, {"name", e.organizer.name}}},
              {"when", when},
              {"facts",
               {{"programme", facts.programme_id},
                {"group", facts.group},
                {"category", facts.category},
                {"authority_text", facts.authority_text},
                {"role", facts.role},
                {"search_text", facts.search_text}}}}
      .dump();
}

// The inverse, as a cancelled event; nullopt when the record does not parse (it is then left out
// of the feeds rather than shown wrong).
std::optional<std::pair<IcalEvent, WindowFacts>> event_of_withdrawal(const FeedGoneEvent& gone) {
  using nlohmann::json;
  const json r = json::parse(gone.record, nullptr, false);
  if (r.is_discarded() || !r.is_object()) return std::nullopt;
  try {
    IcalEvent e;
    e.uid = gone.version.uid;
    e.sequence = gone.version.sequence;
    e.last_modified = gone.version.last_modified;
    // As a cancelled window reads in the feeds; an estimate no longer made is not "withdrawn".
    e.tentative = r.at("tentative").get<bool>();
    e.summary = (e.tentative ? "【不再预估】" : "【已撤回】") + r.at("summary").get<std::string>();
    e.description = r.at("description").get<std::string>();
    e.url = r.at("url").get<std::string>();
    e.categories = r.at("categories").get<std::vector<std::string>>();
    e.cancelled = true;
    e.organizer = {r.at("organizer").at("address").get<std::string>(), r.at("organizer").at("name").get<std::string>()};
    const json& when = r.at("when");
    if (when.contains("start")) {
      const auto start = parse_iso8601(when.at("start").get<std::string>());
      const auto end = parse_iso8601(when.at("end").get<std::string>());
      if (!start || !end) return std::nullopt;
      e.when = IcalEvent::Timed{*start, *end};
    } else {
      const auto day = [&](const char* key) {
        return date::year_month_day(date::sys_days(date::days(when.at(key).get<int>())));
      };
      e.when = IcalEvent::AllDay{day("first"), day("end_exclusive")};
    }
    const json& f = r.at("facts");
    WindowFacts facts{f.at("programme").get<std::string>(),     f.at("group").get<std::string>(),
                      f.at("category").get<std::string>(),      f.at("authority_text").get<std::string>(),
                      f.at("role").get<std::string>(),          f.at("search_text").get<std::string>()};
    return std::make_pair(std::move(e), std::move(facts));
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

}  // namespace

Result<FeedSelection> public_selection(EndpointFilters asked, const Calendar& calendar) {
  using R = Result<FeedSelection>;
  std::vector<std::string> groups, categories;
  for (const Programme& p : calendar.programmes()) {
    if (!known(groups, p.group)) groups.push_back(p.group);
    if (!known(categories, p.category)) categories.push_back(p.category);
  }
  const auto check = [](const std::vector<std::string>& values, const char* field,
                        const std::function<bool(const std::string&)>& exists) -> std::string {
    for (const std::string& v : values) {
      if (v.empty()) return std::string(field) + ": empty value";
      if (!exists(v)) return std::string(field) + ": no " + field + " '" + v + "' in the calendar";
    }
    return {};
  };
  for (const std::string& problem :
       {check(asked.programmes, "programme", [&](const std::string& v) { return calendar.find_programme(v) != nullptr; }),
        check(asked.groups, "group", [&](const std::string& v) { return known(groups, v); }),
        check(asked.categories, "category", [&](const std::string& v) { return known(categories, v); }),
        check(asked.authorities, "authority", [](const std::string&) { return true; })}) {
    if (!problem.empty()) return R::failure(problem);
  }
  if (!asked.roles.empty() || !asked.keywords.empty()) return R::failure("a public feed filters by programme, group, category and authority only");
  FeedSelection selection;
  selection.everything = asked.empty();
  if (!selection.everything) selection.selections.push_back(std::move(asked));
  return R::success(std::move(selection));
}

std::string uid_host_of(std::string_view public_url) {
  std::string_view rest = public_url.substr(std::min(public_url.find("://"), public_url.size()));
  if (rest.starts_with("://")) rest.remove_prefix(3);
  rest = rest.substr(0, std::min(rest.find('/'), rest.size()));
  if (rest.starts_with('[')) return std::string(rest.substr(0, rest.find(']') + 1));  // an IPv6 literal
  return std::string(rest.substr(0, std::min(rest.find(':'), rest.size())));
}

std::string FeedSelection::key() const {
  std::vector<std::string> parts;
  for (const EndpointFilters& f : selections) {
    std::string part;
    add_field(part, "p", f.programmes);
    add_field(part, "g", f.groups);
    add_field(part, "c", f.categories);
    add_field(part, "a", f.authorities);
    add_field(part, "r", f.roles);
    add_field(part, "k", f.keywords);
    parts.push_back(std::move(part));
  }
  std::sort(parts.begin(), parts.end());
  parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
  std::string key = std::string(personal ? "personal" : "public") + (everything ? "*" : "");
  for (const std::string& p : parts) key += '\x1d' + p;
  return key;
}

FeedBook::FeedBook(std::shared_ptr<const Calendar> calendar, std::string uid_host, const date::time_zone& zone,
                   Organizer organizer, Instant made_at)
    : calendar_(std::move(calendar)), uid_host_(std::move(uid_host)), zone_(zone), made_at_(made_at) {
  for (const Window& w : calendar_->windows()) {
    const Programme* p = calendar_->find_programme(w.programme_id);
    if (!p) continue;  // the loader guarantees one; a window without its programme says nothing
    if (w.cancelled() && w.closes.at + kWithdrawnInFeedsFor <= made_at_) continue;  // apps have dropped it
    IcalEvent event = window_event(*p, w, uid_host_, zone_);
    event.organizer = organizer;
    event.last_modified = made_at_;
    entries_.push_back({&w, window_facts(*p, w), std::move(event)});
  }
}

std::vector<FeedEventDigest> FeedBook::digests() const {
  std::vector<FeedEventDigest> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) {
    if (!e.window) continue;  // withdrawn: the store already has it
    out.push_back({e.event.uid, content_hash(e.event, zone_), withdrawal_record(e.event, e.facts), e.window->closes.at});
  }
  return out;
}

void FeedBook::add_withdrawn(const std::vector<FeedGoneEvent>& gone) {
  for (const FeedGoneEvent& g : gone) {
    if (auto event = event_of_withdrawal(g)) entries_.push_back({nullptr, std::move(event->second), std::move(event->first)});
  }
}

void FeedBook::set_versions(const std::vector<FeedEventVersion>& versions) {
  std::unordered_map<std::string, const FeedEventVersion*> by_uid;
  for (const FeedEventVersion& v : versions) by_uid[v.uid] = &v;
  for (Entry& e : entries_) {
    if (const auto it = by_uid.find(e.event.uid); it != by_uid.end()) {
      e.event.sequence = it->second->sequence;
      e.event.last_modified = it->second->last_modified;
    }
  }
}

RenderedFeed FeedBook::render(const FeedSelection& selection) const {
  std::vector<IcalEvent> events;
  RenderedFeed feed;
  feed.last_modified = made_at_;
  bool any_event = false;
  for (const Entry& e : entries_) {
    const bool selected =
        selection.everything ||
        std::any_of(selection.selections.begin(), selection.selections.end(),
                    [&](const EndpointFilters& f) { return filters_match(f, e.facts); });
    if (!selected) continue;
    events.push_back(e.event);
    feed.last_modified = any_event ? std::max(feed.last_modified, e.event.last_modified) : e.event.last_modified;
    any_event = true;
  }
  FeedOptions options;
  const bool filtered = !selection.everything;
  options.name = selection.personal ? "我的申报截止日历" : filtered ? "申报截止日历（筛选）" : "申报截止日历";
  options.description = std::string("政府惠企政策申报窗口的截止时间（时间为北京时间；“预计”为按往年推算）。") + kFeedRefreshNote;
  options.zone = &zone_;
  feed.events = events.size();
  feed.body = write_calendar(options, events);
  feed.gzip = gzip_compress(feed.body);
  feed.etag = "\"" + sha256_hex(feed.body).substr(0, 32) + "\"";
  return feed;
}

std::optional<IcalEvent> FeedBook::withdrawn_event(std::string_view uid) const {
  for (const Entry& e : entries_) {
    if (!e.window && e.event.uid == uid) return e.event;
  }
  return std::nullopt;
}

std::vector<IcalEvent> FeedBook::events_of(const std::vector<const Window*>& windows) const {
  std::vector<IcalEvent> out;
  for (const Window* w : windows) {
    const auto it = std::find_if(entries_.begin(), entries_.end(),
                                 [&](const Entry& e) { return e.window && e.window->id() == w->id(); });
    if (it != entries_.end()) out.push_back(it->event);
  }
  return out;
}

}  // namespace deadline::ical
