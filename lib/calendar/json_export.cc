#include "calendar/json_export.h"

#include "time/iso8601.h"

namespace deadline {

namespace {

using nlohmann::json;

json optional_bound(const std::optional<Bound>& bound, const date::time_zone& zone) {
  return bound ? bound_json(*bound, zone) : json(nullptr);
}

json empty_as_null(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

// Why `closes` is earlier than printed (calendar/chain_rule.h): programs tell a capped estimate
// from a printed one by this field.
json cap_json(const ChainCap& cap, const date::time_zone& zone) {
  return {{"rule", "chain"},
          {"printed_closes", bound_json(cap.printed_closes, zone)},
          {"by_window", cap.by_window},
          {"reason", cap.reason}};
}

}  // namespace

json bound_json(const Bound& bound, const date::time_zone& zone) {
  return {{"utc", format_utc(bound.at)},
          {"local", format_local_iso(bound.at, zone)},
          {"precision", std::string(to_string(bound.spec.precision))},
          {"written", bound.spec.text()}};
}

json window_json(const Window& w) {
  return {{"id", w.id()},
          {"programme", w.programme_id},
          {"key", w.key},
          {"cycle", w.cycle},
          {"phrase", w.phrase},
          {"status", std::string(to_string(w.status))},
          {"actor", w.actor},
          {"role", std::string(to_chinese(w.role))},
          {"opens", optional_bound(w.opens, *w.zone)},
          {"closes", bound_json(w.closes, *w.zone)},
          {"year_from", empty_as_null(w.year_from)},
          {"projected_from", w.projected_from ? json(*w.projected_from) : json(nullptr)},
          {"cap", w.cap ? cap_json(*w.cap, *w.zone) : json(nullptr)}};
}

json programme_json(const Programme& p, const Calendar& calendar) {
  json phones = json::array();
  for (const Phone& phone : p.phones) {
    phones.push_back({{"number", phone.number}, {"area_code_inferred", phone.area_code_inferred}});
  }
  json addresses = json::array();
  for (const Address& a : p.addresses) {
    const std::string href = a.href();
    addresses.push_back({{"kind", std::string(to_string(a.kind))},
                         {"printed", a.printed},
                         {"name", empty_as_null(a.name)},
                         {"misprint", a.misprint},
                         {"corrected", empty_as_null(a.corrected)},
                         {"correction_source", empty_as_null(a.correction_source)},
                         {"href", empty_as_null(href)}});
  }
  json windows = json::array();
  for (const Window* w : calendar.windows_of(p.id)) windows.push_back(window_json(*w));
  return {{"id", p.id},
          {"edition", p.edition_id},
          {"number", p.number},
          {"page", p.page},
          {"title", p.title},
          {"group", p.group},
          {"category", p.category},
          {"contact", p.contact},
          {"authority", empty_as_null(p.authority)},
          {"phones", phones},
          {"addresses", addresses},
          {"link", p.link},
          {"eligibility", p.eligibility},
          {"recurs", p.recurs},
          {"recurs_reason", p.recurs_reason},
          {"windows", windows}};
}

json policy_json(const Policy& p) {
  return {{"id", p.id},
          {"edition", p.edition_id},
          {"number", p.number},
          {"page", p.page},
          {"title", p.title},
          {"summary", p.summary},
          {"period_phrase", p.period_phrase},
          {"in_force_from", optional_bound(p.in_force_from, *p.zone)},
          {"in_force_until", optional_bound(p.in_force_until, *p.zone)}};
}

json upcoming_json(const Calendar& calendar, Instant at, int days,
                   const std::vector<const Window*>& windows) {
  json list = json::array();
  for (const Window* w : windows) {
    json item = window_json(*w);
    const Programme* p = calendar.find_programme(w->programme_id);
    item["programme_title"] = p ? p->title : w->programme_id;
    list.push_back(std::move(item));
  }
  return {{"at", format_utc(at)}, {"days", days}, {"windows", list}};
}

json calendar_json(const Calendar& calendar) {
  json editions = json::array();
  for (const Edition& e : calendar.editions()) {
    editions.push_back({{"id", e.id},
                        {"title", e.title},
                        {"publisher", e.publisher},
                        {"year", e.year},
                        {"zone", e.zone->name()},
                        {"disclaimer", empty_as_null(e.disclaimer)}});
  }
  json programmes = json::array();
  for (const Programme& p : calendar.programmes()) programmes.push_back(programme_json(p, calendar));
  json policies = json::array();
  for (const Policy& p : calendar.policies()) policies.push_back(policy_json(p));
  return {{"format", "deadlined.calendar.v1"},
          {"revision", calendar.revision()},
          {"editions", editions},
          {"programmes", programmes},
          {"policies", policies}};
}

}  // namespace deadline
