// Route templates for /metrics: tokens and ids never become labels.

#include "http/http_metrics.h"

#include <doctest/doctest.h>

using namespace deadline::http;

TEST_CASE("route_of maps paths to their templates and everything else to other") {
  CHECK(route_of("/") == "/");
  CHECK(route_of("/calendar.ics?group=x") == "/calendar.ics");
  CHECK(route_of("/manage/AQEAAAAAAAAAAQ") == "/manage/{token}");
  CHECK(route_of("/feeds/AQEAAAAAAAAAAQ.ics") == "/feeds/{token}.ics");
  CHECK(route_of("/programmes/jiangsu-x") == "/programmes/{id}");
  CHECK(route_of("/api/v1/programmes/jiangsu-x") == "/api/v1/programmes/{id}");
  CHECK(route_of("/api/v1/manage/TOKEN/endpoints/12/test") == "/api/v1/manage/{token}/endpoints/{id}/test");
  CHECK(route_of("/api/v1/manage/TOKEN") == "/api/v1/manage/{token}");
  CHECK(route_of("/admin/v1/messages/0123abcd/replay") == "/admin/v1/messages/{id}/replay");
  CHECK(route_of("/admin/v1/endpoints/7") == "/admin/v1/endpoints/{id}");
  CHECK(route_of("/admin/v1/status") == "/admin/v1/status");
  CHECK(route_of("/wp-login.php") == "other");
  CHECK(route_of("/manage/a/b") == "other");
  CHECK(route_of("") == "other");
}

TEST_CASE("HttpMetrics counts by route and status") {
  HttpMetrics metrics;
  metrics.count("/manage/T1", 200);
  metrics.count("/manage/T2", 200);
  metrics.count("/manage/T3", 404);
  const auto counts = metrics.snapshot();
  CHECK(counts.at({"/manage/{token}", 200}) == 2);
  CHECK(counts.at({"/manage/{token}", 404}) == 1);
  CHECK(counts.size() == 2);
}
