#include "delivery/webhook_event.h"

#include <algorithm>
#include <tuple>

#include "calendar/json_export.h"
#include "domain/message.h"
#include "render/change_view.h"
#include "schedule/planner.h"
#include "time/iso8601.h"
#include "wording/delivery_wording.h"

namespace deadline {

namespace {

using nlohmann::json;

json programme_summary_json(const Programme& p) {
  json phones = json::array();
  for (const Phone& phone : p.phones) {
    phones.push_back({{"number", phone.number}, {"area_code_inferred", phone.area_code_inferred}});
  }
  return {{"id", p.id},
          {"title", p.title},
          {"authority", p.authority.empty() ? json(nullptr) : json(p.authority)},
          {"contact", p.contact},
          {"group", p.group},
          {"category", p.category},
          {"link", p.link},
          {"phones", std::move(phones)}};
}

json event_window_json(const Window& w) {
  json window = window_json(w);
  window["estimated"] = w.estimated();
  return window;
}

// The reminders checked and in the event's order: by close, then window id, then lead.
Result<std::vector<const WebhookReminder*>> checked_in_order(const std::vector<WebhookReminder>& reminders) {
  using R = Result<std::vector<const WebhookReminder*>>;
  std::vector<const WebhookReminder*> ordered;
  ordered.reserve(reminders.size());
  for (const WebhookReminder& r : reminders) {
    if (!r.programme || !r.window) return R::failure("webhook reminder without a programme or window");
    if (r.window->programme_id != r.programme->id) {
      return R::failure("webhook reminder: window " + r.window->id() + " is not of programme " +
                        r.programme->id);
    }
    if (!r.window->zone) return R::failure("webhook reminder: window " + r.window->id() + " has no zone");
    ordered.push_back(&r);
  }
  std::stable_sort(ordered.begin(), ordered.end(), [](const WebhookReminder* a, const WebhookReminder* b) {
    return std::forward_as_tuple(a->window->closes.at, a->window->id(), a->lead) <
           std::forward_as_tuple(b->window->closes.at, b->window->id(), b->lead);
  });
  return R::success(std::move(ordered));
}

json webhook_nullable(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

json webhook_change_window_json(const RevisionWindow& w) {
  json source = nullptr;
  if (!w.source.empty()) {
    source = {{"title", w.source.title},
              {"issuer", w.source.issuer},
              {"date", w.source.date},
              {"url", webhook_nullable(w.source.url)}};
  }
  return {{"id", w.id},
          {"programme_id", w.facts.programme_id},
          {"title", w.title},
          {"status", std::string(to_string(w.status))},
          {"opens", webhook_nullable(w.opens)},
          {"closes", w.closes},
          {"closes_at", format_utc(w.closes_at)},
          {"precision", w.precision},
          {"phrase", w.phrase},
          {"cap", webhook_nullable(w.cap)},
          {"source", std::move(source)}};
}

// The changes in the event's order: by close, then window id.
std::vector<const ToldChange*> webhook_changes_in_order(const std::vector<ToldChange>& changes) {
  std::vector<const ToldChange*> ordered;
  ordered.reserve(changes.size());
  for (const ToldChange& c : changes) ordered.push_back(&c);
  std::stable_sort(ordered.begin(), ordered.end(), [](const ToldChange* a, const ToldChange* b) {
    return std::forward_as_tuple(render::change_close(*a), a->window_id) <
           std::forward_as_tuple(render::change_close(*b), b->window_id);
  });
  return ordered;
}

json webhook_changes_json(const std::vector<ToldChange>& changes, Instant now) {
  json list = json::array();
  for (const ToldChange* c : webhook_changes_in_order(changes)) list.push_back(webhook_change_json(*c, now));
  return list;
}

// A test reminder its owner asked for, and nothing else: marked for people and machines.
bool webhook_is_test(const std::vector<WebhookReminder>& reminders, const std::vector<ToldChange>& changes) {
  return !reminders.empty() && changes.empty() &&
         std::all_of(reminders.begin(), reminders.end(), [](const WebhookReminder& r) { return r.lead == kTestLead; });
}

std::string_view webhook_event_type(bool any_reminder, bool any_change) {
  return !any_reminder && any_change ? kWebhookChangeEventType : kWebhookEventType;
}

}  // namespace

json webhook_change_json(const ToldChange& change, Instant now) {
  json kinds = json::array();
  for (const ChangeKind kind : change.kinds) kinds.push_back(std::string(to_string(kind)));
  const render::ChangeView view = render::make_change_view(change, now);
  return {{"window_id", change.window_id},
          {"kinds", std::move(kinds)},
          {"headline", std::string(to_string(change.headline()))},
          {"reopened", change.reopened},
          {"text", view.tag + view.summary},
          {"overdue_lead", webhook_nullable(change.overdue_lead)},
          {"previous", change.previous ? webhook_change_window_json(*change.previous) : json(nullptr)},
          {"current", change.current ? webhook_change_window_json(*change.current) : json(nullptr)}};
}

Result<json> webhook_event_json(std::string_view message_id, Instant now,
                                const std::vector<WebhookReminder>& reminders, const std::vector<ToldChange>& changes) {
  using R = Result<json>;
  const auto ordered = checked_in_order(reminders);
  if (!ordered) return R::failure(ordered.error());
  json list = json::array();
  for (const WebhookReminder* r : *ordered) {
    list.push_back({{"lead", r->lead},
                    {"days_left", days_left(*r->window, now)},
                    {"programme", programme_summary_json(*r->programme)},
                    {"window", event_window_json(*r->window)}});
  }
  json event = {{"type", webhook_event_type(!reminders.empty(), !changes.empty())},
                {"version", kWebhookEventVersion},
                {"id", message_id},
                {"created_at", format_utc(now)},
                {"reminders", std::move(list)}};
  if (!changes.empty()) event["changes"] = webhook_changes_json(changes, now);
  if (webhook_is_test(reminders, changes)) {
    event["test"] = true;
    event["test_text"] = std::string(wording::test_reminder_note());
  }
  return R::success(std::move(event));
}

Result<std::string> webhook_event_body(std::string_view message_id, Instant now,
                                       const std::vector<WebhookReminder>& reminders,
                                       const std::vector<ToldChange>& changes) {
  Result<json> event = webhook_event_json(message_id, now, reminders, changes);
  if (!event) return Result<std::string>::failure(event.error());
  try {
    return Result<std::string>::success(event->dump());
  } catch (const json::exception& e) {
    return Result<std::string>::failure(std::string("webhook event is not valid JSON text: ") + e.what());
  }
}

const WebhookEventWriter::Fragments& WebhookEventWriter::fragments_of(const WebhookReminder& r) {
  const std::string id = r.window->id();
  if (const auto found = fragments_.find(id); found != fragments_.end()) return found->second;
  return fragments_.emplace(id, Fragments{programme_summary_json(*r.programme).dump(), event_window_json(*r.window).dump()})
      .first->second;
}

Result<std::string> WebhookEventWriter::body(std::string_view message_id, Instant now,
                                             const std::vector<WebhookReminder>& reminders,
                                             std::string_view calendar_revision, const std::vector<ToldChange>& changes) {
  using R = Result<std::string>;
  if (calendar_revision != revision_) {
    fragments_.clear();
    revision_ = calendar_revision;
  }
  const auto ordered = checked_in_order(reminders);
  if (!ordered) return R::failure(ordered.error());
  try {
    // Keys in the order nlohmann's dump writes them (sorted), so the bytes equal
    // webhook_event_body's: changes (when any), created_at, id, reminders, test and test_text
    // (in a test reminder), type, version; and
    // within a reminder days_left, lead, programme, window. Changes are not reused: each is
    // one endpoint's record.
    std::string out = "{";
    if (!changes.empty()) out += "\"changes\":" + webhook_changes_json(changes, now).dump() + ",";
    out += "\"created_at\":" + json(format_utc(now)).dump() + ",\"id\":" + json(message_id).dump() + ",\"reminders\":[";
    for (std::size_t i = 0; i < ordered->size(); ++i) {
      const WebhookReminder& r = *(*ordered)[i];
      const Fragments& f = fragments_of(r);
      if (i > 0) out += ',';
      out += "{\"days_left\":" + std::to_string(days_left(*r.window, now)) + ",\"lead\":" + json(r.lead).dump() +
             ",\"programme\":" + f.programme + ",\"window\":" + f.window + "}";
    }
    out += "]";
    if (webhook_is_test(reminders, changes)) {
      out += ",\"test\":true,\"test_text\":" + json(std::string(wording::test_reminder_note())).dump();
    }
    out += ",\"type\":" + json(webhook_event_type(!reminders.empty(), !changes.empty())).dump() +
           ",\"version\":" + std::to_string(kWebhookEventVersion) + "}";
    return R::success(std::move(out));
  } catch (const json::exception& e) {
    return R::failure(std::string("webhook event is not valid JSON text: ") + e.what());
  }
}

}  // namespace deadline
