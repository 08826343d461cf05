#include "ical/feed_book.h"

#include <algorithm>
#include <functional>
#include <unordered_map>

#include "base/gzip.h"
#include "base/sha256.h"
#include "ical/window_event.h"
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
    IcalEvent event = window_event(*p, w, uid_host_, zone_);
    event.organizer = organizer;
    event.last_modified = made_at_;
    entries_.push_back({p, &w, std::move(event)});
  }
}

std::vector<FeedEventDigest> FeedBook::digests() const {
  std::vector<FeedEventDigest> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.push_back({e.event.uid, content_hash(e.event, zone_)});
  return out;
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
                    [&](const EndpointFilters& f) { return filters_match(f, *e.programme, *e.window); });
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

std::vector<IcalEvent> FeedBook::events_of(const std::vector<const Window*>& windows) const {
  std::vector<IcalEvent> out;
  for (const Window* w : windows) {
    const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.window->id() == w->id(); });
    if (it != entries_.end()) out.push_back(it->event);
  }
  return out;
}

}  // namespace deadline::ical
