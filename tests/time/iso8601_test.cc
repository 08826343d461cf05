#include "time/iso8601.h"

#include <doctest/doctest.h>

#include "time/zone.h"

using namespace deadline;

TEST_CASE("ISO-8601 with an offset names one instant") {
  struct Row { const char* text; const char* utc; };
  const Row rows[] = {
      {"2026-11-27T00:00+08:00", "2026-11-26T16:00:00Z"},
      {"2026-11-27T09:30:15+08:00", "2026-11-27T01:30:15Z"},
      {"2026-11-27T01:00Z", "2026-11-27T01:00:00Z"},
      {"2024-02-29T23:59:59-05:30", "2024-03-01T05:29:59Z"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.text);
    const Result<Instant> parsed = parse_iso8601(row.text);
    REQUIRE(parsed.ok());
    CHECK(format_utc(*parsed) == row.utc);
  }
}

TEST_CASE("ISO-8601 without an offset or with impossible fields is refused - saying why") {
  CHECK(parse_iso8601("2026-11-27T00:00").error() ==
        "'2026-11-27T00:00' is not an ISO-8601 time with an offset "
        "(e.g. 2026-11-27T09:00+08:00 or 2026-11-27T01:00Z)");
  CHECK(parse_iso8601("2026-02-30T00:00Z").error() == "'2026-02-30T00:00Z' has an impossible date");
  CHECK(parse_iso8601("2026-11-27T24:00Z").error() == "'2026-11-27T24:00Z' has an impossible time of day");
  CHECK(parse_iso8601("2026-11-27T10:00+25:00").error() == "'2026-11-27T10:00+25:00' has an impossible offset");
}

TEST_CASE("instants are shown in the zone - a close at midnight as the day's 24:00") {
  const auto& zone = shanghai_zone();
  const Instant midnight = *parse_iso8601("2024-10-19T00:00+08:00");
  CHECK(format_local_iso(midnight, zone) == "2024-10-19T00:00:00+08:00");
  CHECK(format_close_for_people(midnight, zone) == "2024-10-18 24:00");
  CHECK(format_close_for_people(*parse_iso8601("2024-12-30T17:30+08:00"), zone) == "2024-12-30 17:30");
  CHECK(format_open_for_people(midnight, zone) == "2024-10-19 00:00");
}

TEST_CASE("a local time a DST zone skips or repeats is an error - not a guess") {
  const date::time_zone* berlin = find_zone("Europe/Berlin");
  REQUIRE(berlin != nullptr);
  using namespace std::chrono;
  const LocalTime skipped = LocalTime{date::local_days{date::year{2024} / 3 / 31}} + hours{2} + minutes{30};
  CHECK(resolve_local(skipped, *berlin).error() == "local time 2024-03-31 02:30 does not exist in Europe/Berlin");
  const LocalTime repeated = LocalTime{date::local_days{date::year{2024} / 10 / 27}} + hours{2} + minutes{30};
  CHECK(resolve_local(repeated, *berlin).error() == "local time 2024-10-27 02:30 is ambiguous in Europe/Berlin");
  CHECK(find_zone("Asia/Shangai") == nullptr);
}
