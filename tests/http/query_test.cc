// Query strings as clients send them: form encoding, the '+' of an offset, mistakes.

#include "http/query.h"

#include <doctest/doctest.h>

#include "http/upcoming_params.h"
#include "time/iso8601.h"

using namespace deadline;
using namespace deadline::http;

namespace {

const Instant kNow = *parse_iso8601("2024-11-27T01:00Z");

UpcomingParams params_of(std::string_view query) {
  auto parsed = parse_upcoming_params(query, kNow);
  REQUIRE(std::holds_alternative<UpcomingParams>(parsed));
  return std::get<UpcomingParams>(parsed);
}

ParamError error_of(std::string_view query) {
  auto parsed = parse_upcoming_params(query, kNow);
  REQUIRE(std::holds_alternative<ParamError>(parsed));
  return std::get<ParamError>(parsed);
}

}  // namespace

TEST_CASE("split_target separates the path from the query") {
  CHECK(split_target("/a/b?x=1&y").path == "/a/b");
  CHECK(split_target("/a/b?x=1&y").query == "x=1&y");
  CHECK(split_target("/a").query.empty());
  CHECK(split_target("/a?").query.empty());
}

TEST_CASE("percent_decode decodes escapes and optionally plus as space") {
  CHECK(*percent_decode("a%2Bb%2fc+d", true) == "a+b/c d");
  CHECK(*percent_decode("a+b", false) == "a+b");
  CHECK(percent_decode("50%", true).error() == "'%' is not a percent-escape (% and two hex digits)");
  CHECK(percent_decode("%zz1", true).error() == "'%zz' is not a percent-escape (% and two hex digits)");
}

TEST_CASE("upcoming parameters default to now and 30 days") {
  const UpcomingParams p = params_of("");
  CHECK(p.at == kNow);
  CHECK(p.days == 30);
}

TEST_CASE("upcoming at takes the offset as %2B or as the space an unescaped plus becomes") {
  const Instant expected = *parse_iso8601("2026-11-27T00:00+08:00");
  CHECK(params_of("at=2026-11-27T00:00%2B08:00").at == expected);
  CHECK(params_of("at=2026-11-27T00:00+08:00").at == expected);
  CHECK(params_of("at=2026-11-27T00%3A00%2008%3A00").at == expected);
  CHECK(params_of("at=2026-11-26T16:00Z&days=0").days == 0);
  CHECK(params_of("days=3660&&at=2026-11-26T16:00Z").days == 3660);
}

TEST_CASE("upcoming parameter errors name the field") {
  const ParamError at = error_of("at=2026-11-27");
  CHECK(at.code == "invalid_parameter");
  CHECK(at.field == "at");
  CHECK(at.message ==
        "at: '2026-11-27' is not an ISO-8601 time with an offset (e.g. 2026-11-27T09:00+08:00 or 2026-11-27T01:00Z)");
  CHECK(error_of("at=2026-11-27T00:00 +08:00").field == "at");
  const ParamError days = error_of("days=3661");
  CHECK(days.field == "days");
  CHECK(days.message == "days must be a whole number from 0 to 3660, not '3661'");
  CHECK(error_of("days=-1").message == "days must be a whole number from 0 to 3660, not '-1'");
  CHECK(error_of("days=").message == "days must be a whole number from 0 to 3660, not ''");
  CHECK(error_of("days=99999999999").field == "days");
  const ParamError twice = error_of("days=1&days=2");
  CHECK(twice.code == "invalid_parameter");
  CHECK(twice.message == "days is given more than once");
  const ParamError unknown = error_of("day=7");
  CHECK(unknown.code == "unknown_parameter");
  CHECK(unknown.field == "day");
  CHECK(unknown.message == "unknown parameter 'day' (expected at, days, programme, group, category or authority)");
  const ParamError escape = error_of("at=%G0");
  CHECK(escape.field == "at");
  CHECK(escape.message == "at: '%G0' is not a percent-escape (% and two hex digits)");
}
