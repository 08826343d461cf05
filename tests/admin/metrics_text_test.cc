// GET /metrics's text (lib/admin/metrics_text.h): the Prometheus exposition format 0.0.4.

#include <doctest/doctest.h>

#include "admin/metrics_text.h"

using namespace deadline;
using namespace deadline::admin;

namespace {

bool has_line(const std::string& text, const std::string& line) { return text.find("\n" + line + "\n") != std::string::npos; }

}  // namespace

TEST_CASE("metrics show the build, every message state and the calendar revision") {
  MetricsInput input;
  input.version = "0.1.0";
  input.messages = {{MessageState::delivered, 3}, {MessageState::dead, 1}};
  input.calendar_revision = "726523a3f6db";
  const std::string text = metrics_text(input);
  CHECK(text.substr(0, text.find("# HELP deadlined_channel_messages")) ==
        "# HELP deadlined_build_info The running deadlined's version; always 1.\n"
        "# TYPE deadlined_build_info gauge\n"
        "deadlined_build_info{version=\"0.1.0\"} 1\n"
        "# HELP deadlined_store_up 1 when the database answered this scrape, 0 when it could not be reached.\n"
        "# TYPE deadlined_store_up gauge\n"
        "deadlined_store_up 1\n"
        "# HELP deadlined_messages Messages in the outbox, by state.\n"
        "# TYPE deadlined_messages gauge\n"
        "deadlined_messages{state=\"dead\"} 1\n"
        "deadlined_messages{state=\"delivered\"} 3\n"
        "deadlined_messages{state=\"expired\"} 0\n"
        "deadlined_messages{state=\"pending\"} 0\n"
        "deadlined_messages{state=\"retry\"} 0\n"
        "deadlined_messages{state=\"sending\"} 0\n"
        "# HELP deadlined_calendar_revision_info The calendar revision in force; always 1.\n"
        "# TYPE deadlined_calendar_revision_info gauge\n"
        "deadlined_calendar_revision_info{revision=\"726523a3f6db\"} 1\n");
}

TEST_CASE("while the database cannot be reached, store_up is 0 and nothing read from it is shown as zero") {
  MetricsInput input;
  input.version = "0.1.0";
  input.store_up = false;
  input.counters.delivered = 7;  // the daemon's own counters still count
  const std::string text = metrics_text(input);
  CHECK(has_line(text, "deadlined_store_up 0"));
  CHECK(has_line(text, "deadlined_deliveries_total{outcome=\"delivered\"} 7"));
  for (const char* absent : {"deadlined_messages{", "deadlined_triggers{", "deadlined_queue_depth ",
                             "deadlined_oldest_unsent_age_seconds "}) {
    CAPTURE(absent);
    CHECK(text.find(std::string("\n") + absent) == std::string::npos);
  }
}

TEST_CASE("without a calendar there is no revision sample") {
  MetricsInput input;
  input.version = "0.1.0";
  const std::string text = metrics_text(input);
  CHECK(text.find("deadlined_calendar_revision_info{") == std::string::npos);
  CHECK(text.find("deadlined_messages{state=\"pending\"} 0\n") != std::string::npos);
}

TEST_CASE("label values are escaped") {
  CHECK(escape_label_value(R"(a\b"c)" "\n") == R"(a\\b\"c\n)");
  CHECK(escape_label_value("plain") == "plain");
}

TEST_CASE("metrics show the outbox by channel, triggers, queue, counters and the lateness histogram") {
  MetricsInput input;
  input.version = "0.1.0";
  input.messages = {{MessageState::pending, 2}, {MessageState::retry, 1}, {MessageState::delivered, 7}};
  input.outbox.messages = {{{"email", MessageState::pending}, 2}, {{"webhook", MessageState::retry}, 1}};
  input.outbox.triggers = {{"fired", 4}, {"missed", 1}};
  input.now = Instant{std::chrono::seconds{1000}};
  input.outbox.oldest_unsent = Instant{std::chrono::seconds{958}};
  input.counters.delivered = 7;
  input.counters.dead = 1;
  input.counters.calendar_reloads = 3;
  input.counters.calendar_reload_failures = 1;
  input.counters.dispatcher_store_errors = 5;
  input.counters.fanouts_finished = 2;
  input.counters.fanout_chunks = 501;
  input.lateness.observe(std::chrono::seconds{0});
  input.lateness.observe(std::chrono::milliseconds{30});
  input.lateness.observe(std::chrono::seconds{2});
  input.lateness.observe(std::chrono::seconds{400});
  const std::string text = metrics_text(input);
  CHECK(has_line(text, "deadlined_channel_messages{channel=\"email\",state=\"pending\"} 2"));
  CHECK(has_line(text, "deadlined_channel_messages{channel=\"webhook\",state=\"retry\"} 1"));
  CHECK(has_line(text, "deadlined_triggers{outcome=\"fired\"} 4"));
  CHECK(has_line(text, "deadlined_triggers{outcome=\"late\"} 0"));
  CHECK(has_line(text, "deadlined_queue_depth 3"));
  CHECK(has_line(text, "deadlined_oldest_unsent_age_seconds 42"));
  CHECK(has_line(text, "# TYPE deadlined_deliveries_total counter"));
  CHECK(has_line(text, "deadlined_deliveries_total{outcome=\"delivered\"} 7"));
  CHECK(has_line(text, "deadlined_deliveries_total{outcome=\"dead\"} 1"));
  CHECK(has_line(text, "deadlined_calendar_reload_failures_total 1"));
  CHECK(has_line(text, "deadlined_store_errors_total{component=\"dispatcher\"} 5"));
  CHECK(has_line(text, "deadlined_store_errors_total{component=\"scheduler\"} 0"));
  CHECK(has_line(text, "deadlined_fanouts_finished_total 2"));
  CHECK(has_line(text, "deadlined_fanout_chunks_total 501"));
  CHECK(has_line(text, "# TYPE deadlined_firing_lateness_seconds histogram"));
  CHECK(has_line(text, "deadlined_firing_lateness_seconds_bucket{le=\"0.001\"} 1"));
  CHECK(has_line(text, "deadlined_firing_lateness_seconds_bucket{le=\"0.025\"} 1"));
  CHECK(has_line(text, "deadlined_firing_lateness_seconds_bucket{le=\"0.05\"} 2"));
  CHECK(has_line(text, "deadlined_firing_lateness_seconds_bucket{le=\"1\"} 2"));
  CHECK(has_line(text, "deadlined_firing_lateness_seconds_bucket{le=\"5\"} 3"));
  CHECK(has_line(text, "deadlined_firing_lateness_seconds_bucket{le=\"300\"} 3"));
  CHECK(has_line(text, "deadlined_firing_lateness_seconds_bucket{le=\"+Inf\"} 4"));
  CHECK(has_line(text, "deadlined_firing_lateness_seconds_sum 402.030000"));
  CHECK(has_line(text, "deadlined_firing_lateness_seconds_count 4"));
}

TEST_CASE("no unsent message: the oldest age is 0") {
  MetricsInput input;
  CHECK(has_line(metrics_text(input), "deadlined_oldest_unsent_age_seconds 0"));
}
