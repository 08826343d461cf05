#include "delivery/webhook_event.h"

#include <algorithm>
#include <tuple>

#include "calendar/json_export.h"
#include "schedule/planner.h"
#include "time/iso8601.h"

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

}  // namespace

Result<json> webhook_event_json(std::string_view message_id, Instant now,
                                const std::vector<WebhookReminder>& reminders) {
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
  return R::success({{"type", kWebhookEventType},
                     {"version", kWebhookEventVersion},
                     {"id", message_id},
                     {"created_at", format_utc(now)},
                     {"reminders", std::move(list)}});
}

Result<std::string> webhook_event_body(std::string_view message_id, Instant now,
                                       const std::vector<WebhookReminder>& reminders) {
  Result<json> event = webhook_event_json(message_id, now, reminders);
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
                                             std::string_view calendar_revision) {
  using R = Result<std::string>;
  if (calendar_revision != revision_) {
    fragments_.clear();
    revision_ = calendar_revision;
  }
  const auto ordered = checked_in_order(reminders);
  if (!ordered) return R::failure(ordered.error());
  try {
    // Keys in the order nlohmann's dump writes them (sorted), so the bytes equal
    // webhook_event_body's: created_at, id, reminders, type, version; and within a reminder
    // days_left, lead, programme, window.
    std::string out = "{\"created_at\":" + json(format_utc(now)).dump() + ",\"id\":" + json(message_id).dump() +
                      ",\"reminders\":[";
    for (std::size_t i = 0; i < ordered->size(); ++i) {
      const WebhookReminder& r = *(*ordered)[i];
      const Fragments& f = fragments_of(r);
      if (i > 0) out += ',';
      out += "{\"days_left\":" + std::to_string(days_left(*r.window, now)) + ",\"lead\":" + json(r.lead).dump() +
             ",\"programme\":" + f.programme + ",\"window\":" + f.window + "}";
    }
    out += "],\"type\":" + json(kWebhookEventType).dump() + ",\"version\":" + std::to_string(kWebhookEventVersion) + "}";
    return R::success(std::move(out));
  } catch (const json::exception& e) {
    return R::failure(std::string("webhook event is not valid JSON text: ") + e.what());
  }
}

}  // namespace deadline
