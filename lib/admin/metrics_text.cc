#include "admin/metrics_text.h"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace deadline::admin {

namespace {


void family(std::string& out, std::string_view name, std::string_view help, std::string_view type = "gauge") {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void plain_sample(std::string& out, std::string_view name, std::int64_t number) {
  out.append(name).append(" ").append(std::to_string(number)).append("\n");
}

void sample(std::string& out, std::string_view name, std::string_view label, std::string_view value,
            std::int64_t number) {
  out.append(name).append("{").append(label).append("=\"").append(escape_label_value(value)).append("\"} ");
  out.append(std::to_string(number)).append("\n");
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string metrics_text(const MetricsInput& input) {
  std::string out;
  family(out, "deadlined_build_info", "The running deadlined's version; always 1.");
  sample(out, "deadlined_build_info", "version", input.version, 1);
  family(out, "deadlined_store_up", "1 when the database answered this scrape, 0 when it could not be reached.");
  plain_sample(out, "deadlined_store_up", input.store_up ? 1 : 0);
  family(out, "deadlined_messages", "Messages in the outbox, by state.");
  // By name, as the samples have always been ordered.
  std::map<std::string, std::int64_t> messages;
  for (const std::string_view state : kMessageStates.names()) messages.emplace(state, 0);
  for (const auto& [state, count] : input.messages) messages[std::string(to_string(state))] = count;
  if (input.store_up) {
    for (const auto& [state, count] : messages) sample(out, "deadlined_messages", "state", state, count);
  }
  family(out, "deadlined_calendar_revision_info", "The calendar revision in force; always 1.");
  if (input.calendar_revision) sample(out, "deadlined_calendar_revision_info", "revision", *input.calendar_revision, 1);

  family(out, "deadlined_channel_messages", "Messages in the outbox, by channel (endpoint kind) and state.");
  std::map<std::pair<std::string, std::string>, std::int64_t> by_channel;  // by name, as always
  for (const auto& [key, count] : input.outbox.messages) by_channel[{key.first, std::string(to_string(key.second))}] = count;
  for (const auto& [key, count] : by_channel) {  // none when the store is down
    out.append("deadlined_channel_messages{channel=\"").append(escape_label_value(key.first));
    out.append("\",state=\"").append(escape_label_value(key.second)).append("\"} ").append(std::to_string(count));
    out.append("\n");
  }
  family(out, "deadlined_triggers", "Reminder points recorded, by outcome (fired on time, late, missed).");
  std::map<std::string, std::int64_t> triggers = input.outbox.triggers;
  for (const std::string_view outcome : kTriggerOutcomes.names()) triggers.try_emplace(std::string(outcome), 0);
  if (input.store_up) {
    for (const auto& [outcome, count] : triggers) sample(out, "deadlined_triggers", "outcome", outcome, count);
  }
  family(out, "deadlined_queue_depth", "Messages waiting to be sent (pending and retry).");
  if (input.store_up) plain_sample(out, "deadlined_queue_depth", messages["pending"] + messages["retry"]);
  family(out, "deadlined_oldest_unsent_age_seconds", "Age of the oldest message waiting to be sent; 0 when none.");
  if (input.store_up) {
    plain_sample(out, "deadlined_oldest_unsent_age_seconds",
                 input.outbox.oldest_unsent ? std::max<std::int64_t>((input.now - *input.outbox.oldest_unsent).count(), 0)
                                            : 0);
  }

  family(out, "deadlined_deliveries_total", "Delivery attempts since start, by outcome.", "counter");
  const DaemonCounters& c = input.counters;
  for (const auto& [outcome, count] : {std::pair<const char*, std::int64_t>{"delivered", c.delivered},
                                       {"retried", c.retried}, {"dead", c.dead}, {"expired", c.expired}}) {
    sample(out, "deadlined_deliveries_total", "outcome", outcome, count);
  }
  family(out, "deadlined_endpoints_disabled_total", "Endpoints disabled by delivery failures since start.", "counter");
  plain_sample(out, "deadlined_endpoints_disabled_total", c.endpoints_disabled);
  family(out, "deadlined_calendar_reloads_total", "Calendar reloads asked for since start (SIGHUP, admin API).",
         "counter");
  plain_sample(out, "deadlined_calendar_reloads_total", c.calendar_reloads);
  family(out, "deadlined_calendar_reload_failures_total", "Reloads rejected for errors in the calendars.", "counter");
  plain_sample(out, "deadlined_calendar_reload_failures_total", c.calendar_reload_failures);
  family(out, "deadlined_store_errors_total",
         "Store operations that failed since start (e.g. disk full), by component; each is logged.", "counter");
  sample(out, "deadlined_store_errors_total", "component", "dispatcher", c.dispatcher_store_errors);
  sample(out, "deadlined_store_errors_total", "component", "scheduler", c.scheduler_store_errors);
  family(out, "deadlined_fanouts_finished_total",
         "Fan-outs (a reminder point, a late batch, a release's notices) whose last chunk ran since start.", "counter");
  plain_sample(out, "deadlined_fanouts_finished_total", c.fanouts_finished);
  family(out, "deadlined_fanout_chunks_total", "Chunks of endpoints fan-outs ran in since start.", "counter");
  plain_sample(out, "deadlined_fanout_chunks_total", c.fanout_chunks);

  family(out, "deadlined_firing_lateness_seconds", "How late on-time reminder points fired (pass time − due).",
         "histogram");
  const LatenessHistogram& h = input.lateness;
  char text[32];
  for (std::size_t i = 0; i < h.kBounds.size(); ++i) {
    std::snprintf(text, sizeof text, "%g", h.kBounds[i]);  // 0.001 … 0.5, 1 … 300
    sample(out, "deadlined_firing_lateness_seconds_bucket", "le", text, h.counts[i]);
  }
  sample(out, "deadlined_firing_lateness_seconds_bucket", "le", "+Inf", h.count);
  std::snprintf(text, sizeof text, "%.6f", h.sum_seconds);
  out.append("deadlined_firing_lateness_seconds_sum ").append(text).append("\n");
  plain_sample(out, "deadlined_firing_lateness_seconds_count", h.count);

  family(out, "deadlined_http_requests_total", "HTTP responses since start, by route template and status.",
         "counter");
  for (const auto& [key, count] : input.http_requests) {
    out.append("deadlined_http_requests_total{route=\"").append(escape_label_value(key.first));
    out.append("\",status=\"").append(std::to_string(key.second)).append("\"} ").append(std::to_string(count));
    out.append("\n");
  }
  return out;
}

}  // namespace deadline::admin
