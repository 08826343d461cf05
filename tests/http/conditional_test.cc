// Conditional and negotiated GETs: HTTP dates, If-None-Match, Accept-Encoding.

#include "http/conditional.h"

#include <doctest/doctest.h>

#include "time/iso8601.h"

using namespace deadline;
using namespace deadline::http;

TEST_CASE("http_date writes IMF-fixdate and parse_http_date reads it back") {
  const Instant at = *parse_iso8601("1994-11-06T08:49:37Z");
  CHECK(http_date(at) == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == at);
  CHECK(parse_http_date(" Sun, 06 Nov 1994 08:49:37 GMT ") == at);
  CHECK_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));  // RFC 850: not accepted
  CHECK_FALSE(parse_http_date("Sun Nov  6 08:49:37 1994"));        // asctime: not accepted
  CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT trailing"));
  CHECK_FALSE(parse_http_date(""));
}

TEST_CASE("If-None-Match hits on a listed tag, weak or strong, or on *") {
  const std::vector<std::string> tags = {"\"abc\"", "\"abc-gzip\""};
  CHECK(none_match_hits("\"abc\"", tags));
  CHECK(none_match_hits("W/\"abc-gzip\"", tags));
  CHECK(none_match_hits("\"x\", \"abc\"", tags));
  CHECK(none_match_hits("*", tags));
  CHECK_FALSE(none_match_hits("\"abd\"", tags));
  CHECK_FALSE(none_match_hits("abc", tags));  // unquoted: not the tag
  CHECK_FALSE(none_match_hits("", tags));
}

TEST_CASE("accepts_gzip reads codings and their weights") {
  CHECK(accepts_gzip("gzip"));
  CHECK(accepts_gzip("deflate, gzip;q=0.5"));
  CHECK(accepts_gzip("GZIP"));
  CHECK(accepts_gzip("x-gzip"));
  CHECK(accepts_gzip("*"));
  CHECK(accepts_gzip("gzip; q=1.0"));
  CHECK_FALSE(accepts_gzip("gzip;q=0"));
  CHECK_FALSE(accepts_gzip("gzip;q=0.000"));
  CHECK_FALSE(accepts_gzip("deflate, br"));
  CHECK_FALSE(accepts_gzip(""));
  CHECK_FALSE(accepts_gzip("gzipped"));
}
