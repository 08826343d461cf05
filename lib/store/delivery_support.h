#pragma once
// What both backends' delivery calls share (SQLite: sqlite_delivery.cc, PostgreSQL:
// lib/pg/pg_delivery.cc): the C++ half of a claim (per-endpoint slots, what a claimed message
// says, the ledger's closes) and the endpoint-health arithmetic of record_attempts and
// record_bounce. Each backend keeps only its SQL; nothing here knows a database library.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "domain/message.h"
#include "domain/policies.h"
#include "store/records.h"
#include "store/store_support.h"

namespace deadline::store {

// --- claims ------------------------------------------------------------------------------------

// Endpoint → messages sending, including those claimed now: a candidate is taken only while its
// endpoint has a free slot (claim_ready's per_endpoint).
class EndpointSlots {
 public:
  explicit EndpointSlots(int per_endpoint) : per_endpoint_(per_endpoint) {}
  void count_sending(std::int64_t endpoint_id, int sending) { used_[endpoint_id] = sending; }
  // Takes one of the endpoint's slots; false when it has none left.
  bool take(std::int64_t endpoint_id) {
    int& used = used_[endpoint_id];
    if (used >= per_endpoint_) return false;
    ++used;
    return true;
  }

 private:
  int per_endpoint_;
  std::unordered_map<std::int64_t, int> used_;
};

// A delivery of a claimed message, for the ledger: sending picked[message] tells its endpoint of
// the window's close.
struct TellReminder {
  std::size_t message;
  std::int64_t endpoint_id;
  std::string window_id;
  std::int64_t closes;
};

// One deliveries row (not superseded) of picked[message]: a reminder the ledger records unless it
// is a test one, and an item of the message while its window is open at `now`.
inline void take_delivery(std::vector<OutboundMessage>& picked, std::vector<TellReminder>& reminders,
                          std::size_t message, std::int64_t endpoint_id, std::string window_id, std::string lead,
                          std::int64_t closes, std::int64_t now) {
  if (lead != kTestLead) reminders.push_back({message, endpoint_id, window_id, closes});
  if (closes > now) picked[message].items.push_back({std::move(window_id), std::move(lead), instant(closes)});
}

// Whether a claimed message has anything left to say; one that has not is expired, not sent.
inline bool has_something_to_say(const OutboundMessage& m) { return !m.items.empty() || !m.changes.empty(); }

inline void sort_items_soonest_first(OutboundMessage& m) {
  std::sort(m.items.begin(), m.items.end(), [](const DeliveryItem& a, const DeliveryItem& b) {
    return std::tie(a.closes, a.window_id) < std::tie(b.closes, b.window_id);
  });
}

// The latest close per (endpoint, window) the reminders of the messages sent now tell, their
// windows closed or not: what the ledger (revision_store.h) records for the claim.
inline std::map<std::pair<std::int64_t, std::string>, std::int64_t> latest_closes(
    std::vector<TellReminder>& reminders, const std::vector<OutboundMessage>& picked) {
  std::map<std::pair<std::int64_t, std::string>, std::int64_t> latest;
  for (TellReminder& r : reminders) {
    if (!has_something_to_say(picked[r.message])) continue;  // expired, not sent
    std::int64_t& close = latest.try_emplace({r.endpoint_id, std::move(r.window_id)}, r.closes).first->second;
    close = std::max(close, r.closes);
  }
  return latest;
}

// The picked messages that are sent, in the order picked: oldest first.
inline std::vector<OutboundMessage> sendable_messages(std::vector<OutboundMessage>& picked) {
  std::vector<OutboundMessage> claimed;
  claimed.reserve(picked.size());
  for (OutboundMessage& m : picked) {
    if (has_something_to_say(m)) claimed.push_back(std::move(m));
  }
  return claimed;
}

// --- results and endpoint health ---------------------------------------------------------------

// The message state an attempt's outcome leaves.
inline const char* outcome_state(AttemptResult::Outcome outcome) {
  switch (outcome) {
    case AttemptResult::Outcome::delivered: return "delivered";
    case AttemptResult::Outcome::retry: return "retry";
    case AttemptResult::Outcome::dead: return "dead";
    case AttemptResult::Outcome::expired: return "expired";
  }
  return "retry";
}

// Whether `hard_failures` refusals of the endpoint's address in a row (the latest counted) are
// enough to need its owner's attention.
inline bool hard_failures_need_attention(std::int64_t hard_failures, const EndpointHealthPolicy& policy) {
  return hard_failures >= policy.hard_failures_for_attention;
}

// An endpoint's failing streak as a failed attempt left it: since when (Unix seconds) and how
// many failures it counts, this one included.
struct FailingStreak {
  std::int64_t since = 0;
  std::int64_t failures = 1;
};

// Failing long enough, with failures far enough apart that one bad hour is not enough.
inline bool failing_too_long(const FailingStreak& streak, std::int64_t now, const EndpointHealthPolicy& policy) {
  return now - streak.since >= policy.disable_after.count() && now - streak.since >= policy.failures_apart.count();
}

// Whether failure `r` is one that tells the owner of the streak (unless this streak's notice is
// recorded already): once it has lasted and repeated, never from a test message's failure
// (EndpointHealthPolicy::failing_notice_after), and not when it ends in a disable (that has its
// own notice).
inline bool failing_notice_due(const AttemptResult& r, const FailingStreak& streak, bool too_long, std::int64_t now,
                               const EndpointHealthPolicy& policy) {
  return !r.disable_endpoint && !too_long && !r.test_message && streak.failures >= policy.failing_notice_attempts &&
         now - streak.since >= policy.failing_notice_after.count();
}

// The state reason of an endpoint failure `r` disables: the result's own error when it asked for
// the disable, else the streak's length too.
inline std::string disable_reason(const AttemptResult& r, const FailingStreak& streak) {
  return r.disable_endpoint ? r.error : "failing since " + std::to_string(streak.since) + ": " + r.error;
}

// A bounce as its message's last error, and as the state reason of an endpoint it puts in need
// of attention.
inline std::string bounce_note(const Bounce& bounce) {
  return std::string(bounce.permanent ? "bounced: " : "delayed: ") + bounce.description;
}
inline std::string bounce_attention_reason(const Bounce& bounce) { return "bounced: " + bounce.description; }

}  // namespace deadline::store
