#pragma once
// The body of a webhook: one versioned JSON event per message, carrying every reminder the
// message digests. Field names are a contract with receivers (docs/webhooks.md, "Event"): add
// fields freely, rename or remove one only with a new `version`.

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "calendar/calendar.h"
#include "time/instant.h"

namespace deadline {

inline constexpr std::string_view kWebhookEventType = "deadline.reminder";
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
//     {"lead", "days_left", "programme": {...}, "window": {...}}]}
// The window object is json_export's window_json plus "estimated"; reminders are ordered by
// close, then window id, then lead, whatever the input order. Fails on a null pointer or a
// window of another programme.
Result<nlohmann::json> webhook_event_json(std::string_view message_id, Instant now,
                                          const std::vector<WebhookReminder>& reminders);

// The bytes to send: webhook_event_json dumped compactly (no indentation, keys in nlohmann's
// sorted order, UTF-8 unescaped), so the same inputs give the same bytes on every retry.
// Also fails where the JSON cannot be serialised (text that is not UTF-8).
Result<std::string> webhook_event_body(std::string_view message_id, Instant now,
                                       const std::vector<WebhookReminder>& reminders);

// Writes the same bytes as webhook_event_body, reusing each window's programme and window JSON
// from one message to the next: a fan-out sends the same reminder to thousands of endpoints, and
// only the message's own fields (id, time, lead, days left) differ. The reuse is keyed by window
// id within one calendar revision; a new revision starts afresh. Not thread-safe.
class WebhookEventWriter {
 public:
  Result<std::string> body(std::string_view message_id, Instant now, const std::vector<WebhookReminder>& reminders,
                           std::string_view calendar_revision);

 private:
  struct Fragments {
    std::string programme, window;
  };
  const Fragments& fragments_of(const WebhookReminder& reminder);

  std::string revision_;
  std::unordered_map<std::string, Fragments> fragments_;   // window id → its JSON, dumped
};

}  // namespace deadline
