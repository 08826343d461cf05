// GET /metrics's text (lib/admin/metrics_text.h): the Prometheus exposition format 0.0.4.

#include <doctest/doctest.h>

#include "admin/metrics_text.h"

using namespace deadline::admin;

TEST_CASE("metrics show the build, every message state and the calendar revision") {
  MetricsInput input;
  input.version = "0.1.0";
  input.messages = {{"delivered", 3}, {"dead", 1}};
  input.calendar_revision = "726523a3f6db";
  CHECK(metrics_text(input) ==
        "# HELP deadlined_build_info The running deadlined's version; always 1.\n"
        "# TYPE deadlined_build_info gauge\n"
        "deadlined_build_info{version=\"0.1.0\"} 1\n"
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
