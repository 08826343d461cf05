#pragma once
// GET /metrics on the admin listener: the Prometheus text exposition format, version 0.0.4
// (Content-Type "text/plain; version=0.0.4"). A minimal set for now; the operations work adds
// more. Pure: the numbers in, the text out.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "firing/scheduler.h"
#include "store/records.h"

namespace deadline::admin {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// What the daemon counted since it started (counters: they only grow).
struct DaemonCounters {
  std::int64_t delivered = 0, retried = 0, dead = 0, expired = 0;  // delivery attempts' outcomes
  std::int64_t endpoints_disabled = 0;
  std::int64_t calendar_reloads = 0, calendar_reload_failures = 0;
  // Store operations that failed (a full or unwritable disk, say), by who asked: the scheduler's
  // passes, the dispatcher's claims and result records.
  std::int64_t scheduler_store_errors = 0, dispatcher_store_errors = 0;
  // Fan-outs (firings) finished and the chunks of endpoints they ran in (firing/scheduler.h).
  std::int64_t fanouts_finished = 0, fanout_chunks = 0;
};

struct MetricsInput {
  std::string version;                                   // deadlined_build_info{version}
  store::MessageCounts messages;                         // state → count; every state is written
  std::optional<std::string> calendar_revision;          // none before a calendar is loaded
  store::OutboxMetrics outbox;                           // by channel and state, triggers, oldest unsent
  Instant now{};                                         // for the oldest unsent message's age
  DaemonCounters counters;
  LatenessHistogram lateness;                            // on-time triggers' firing lateness
  std::map<std::pair<std::string, unsigned>, std::int64_t> http_requests;  // (route template, status)
  // False when the database could not be reached: the families read from it (messages, channels,
  // triggers, queue depth, oldest unsent) have no samples then, rather than zeros that would
  // read as an empty outbox.
  bool store_up = true;
};

//   # HELP deadlined_build_info ...
//   # TYPE deadlined_build_info gauge
//   deadlined_build_info{version="0.1.0"} 1
//   deadlined_store_up 1                        (0 while the database cannot be reached)
//   deadlined_messages{state="pending"} 0      (every state, zeros included)
//   deadlined_calendar_revision_info{revision="726523a3f6db"} 1
//   deadlined_channel_messages{channel="email",state="pending"} 3   (channel × state that occur)
//   deadlined_triggers{outcome="fired"} 12                        (fired, late, missed)
//   deadlined_queue_depth 3, deadlined_oldest_unsent_age_seconds 42
//   deadlined_deliveries_total{outcome="delivered"} 9 …, deadlined_endpoints_disabled_total,
//   deadlined_calendar_reloads_total, deadlined_calendar_reload_failures_total,
//   deadlined_store_errors_total{component="scheduler"} 0 (and "dispatcher"),
//   deadlined_firing_lateness_seconds_bucket{le="1"} … _sum _count
//   deadlined_http_requests_total{route="/manage/{token}",status="200"} 5
std::string metrics_text(const MetricsInput& input);

// A label value escaped as the format requires: backslash, double quote and newline.
std::string escape_label_value(std::string_view value);

}  // namespace deadline::admin
