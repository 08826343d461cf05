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

}  // namespace

Result<json> webhook_event_json(std::string_view message_id, Instant now,
                                const std::vector<WebhookReminder>& reminders) {
  using R = Result<json>;
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

  json list = json::array();
  for (const WebhookReminder* r : ordered) {
    json window = window_json(*r->window);
    window["estimated"] = r->window->estimated();
    list.push_back({{"lead", r->lead},
                    {"days_left", days_left(*r->window, now)},
                    {"programme", programme_summary_json(*r->programme)},
                    {"window", std::move(window)}});
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

}  // namespace deadline
