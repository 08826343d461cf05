#pragma once
// The body of a webhook: one versioned JSON event per message, carrying every reminder the
// message digests and every change notice it tells (docs/webhooks.md, "Change notices"). Field
// names are a contract with receivers (docs/webhooks.md, "Event"; docs/webhook-event.schema.json):
// add fields freely, rename or remove one only with a new `version`.

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "calendar/calendar.h"
#include "domain/change_notice.h"
#include "time/instant.h"

namespace deadline {

inline constexpr std::string_view kWebhookEventType = "deadline.reminder";
// A message that carries change notices and no reminder: the same shape, `reminders` empty.
inline constexpr std::string_view kWebhookChangeEventType = "deadline.change";
inline constexpr int kWebhookEventVersion = 1;

// One reminder of a message: a window of the current calendar, its programme, and the lead that
// fired ("7d", "closing-day", "2h", "open", ...). Both pointers must be non-null and the window
// must belong to the programme.
struct WebhookReminder {
  const Programme* programme = nullptr;
  const Window* window = nullptr;
  std::string lead;
};

// The event as JSON:
//   {"type": "deadline.reminder", "version": 1, "id", "created_at", "reminders": [
//     {"lead", "days_left", "programme": {...}, "window": {...}}],
//    "changes": [...],                                   (only when the message carries changes)
//    "test": true, "test_text": "【测试】这是…"}          (only in a test reminder: every lead
//                                                         kTestLead, no changes; the text is
//                                                         wording::test_reminder_note)
// The window object is json_export's window_json plus "estimated"; reminders are ordered by
// close, then window id, then lead, whatever the input order. Fails on a null pointer or a
// window of another programme.
// With changes and no reminder, "type" is "deadline.change" and "reminders" is []. Each change is
// webhook_change_json, ordered by close (the current window's, else the previous one's), then
// window id.
Result<nlohmann::json> webhook_event_json(std::string_view message_id, Instant now,
                                          const std::vector<WebhookReminder>& reminders,
                                          const std::vector<ToldChange>& changes = {});

// The bytes to send: webhook_event_json dumped compactly (no indentation, keys in nlohmann's
// sorted order, UTF-8 unescaped), so the same inputs give the same bytes on every retry.
// Also fails where the JSON cannot be serialised (text that is not UTF-8).
Result<std::string> webhook_event_body(std::string_view message_id, Instant now,
                                       const std::vector<WebhookReminder>& reminders,
                                       const std::vector<ToldChange>& changes = {});

// One change notice, from its record alone:
//   {"window_id", "kinds": ["moved", ...], "headline": "moved", "reopened": false,
//    "text": "【变更】TITLE：截止时间提前至12月10日 17:30" (render/change_view.h; `now` decides
//    which year goes without saying), "overdue_lead": "7d" | null,
//    "previous": window | null (null for an added window), "current": window | null (null for a
//    removed one, or an estimate no longer made)}
// where a window is {"id", "programme_id", "title", "status", "opens" (as written, or null),
//   "closes" (as written), "closes_at" (UTC), "precision", "phrase", "cap" (or null),
//   "source": null | {"title", "issuer", "date", "url" (or null)}}.
nlohmann::json webhook_change_json(const ToldChange& change, Instant now);

// Writes the same bytes as webhook_event_body, reusing each window's programme and window JSON
// from one message to the next: a fan-out sends the same reminder to thousands of endpoints, and
// only the message's own fields (id, time, lead, days left) differ. The reuse is keyed by window
// id within one calendar revision; a new revision starts afresh. Not thread-safe.
class WebhookEventWriter {
 public:
  Result<std::string> body(std::string_view message_id, Instant now, const std::vector<WebhookReminder>& reminders,
                           std::string_view calendar_revision, const std::vector<ToldChange>& changes = {});

 private:
  struct Fragments {
    std::string programme, window;
  };
  const Fragments& fragments_of(const WebhookReminder& reminder);

  std::string revision_;
  std::unordered_map<std::string, Fragments> fragments_;   // window id → its JSON, dumped
};

}  // namespace deadline
