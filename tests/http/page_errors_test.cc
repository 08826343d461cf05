// Which error answers are pages (HTML in Chinese) and which stay the JSON API's.

#include "http/page_errors.h"

#include <doctest/doctest.h>

#include "http/response.h"

using namespace deadline;

TEST_CASE("page errors: pages get HTML, the JSON and admin APIs keep JSON unless HTML is asked for") {
  CHECK(http::wants_error_page("/no-such-page", ""));
  CHECK(http::wants_error_page("/feeds/.ics", "*/*"));
  CHECK(http::wants_error_page("/subscribe", ""));
  CHECK(http::wants_error_page("", ""));  // a 431 whose request line could not be read
  CHECK_FALSE(http::wants_error_page("/api/v1/nope", "*/*"));
  CHECK_FALSE(http::wants_error_page("/api/v1/upcoming?days=x", "application/json"));
  CHECK_FALSE(http::wants_error_page("/admin/v1/status", ""));
  CHECK_FALSE(http::wants_error_page("/healthz", ""));
  CHECK(http::wants_error_page("/api/v1/nope", "text/html,application/xhtml+xml,*/*;q=0.8"));  // a browser's tab
}

TEST_CASE("page errors: the target of a head too large to parse comes from its first line") {
  CHECK(http::request_line_target("GET /x?y=1 HTTP/1.1\r\nCookie: aaaa") == "/x?y=1");
  CHECK(http::request_line_target("GET /api/v1/programmes HTTP/1.1") == "/api/v1/programmes");
  CHECK(http::request_line_target("garbage").empty());
  CHECK(http::request_line_target("").empty());
}

TEST_CASE("page errors: the page keeps the status, Allow and Retry-After") {
  http::Response refused = http::error_response(http::Status::method_not_allowed, "method_not_allowed", "", "no", {11, true, false});
  refused.set(http::Field::allow, "GET, HEAD");
  refused.set(http::Field::retry_after, "30");
  const http::Response page = http::as_error_page(refused, "<p>页面</p>", false);
  CHECK(page.result() == http::Status::method_not_allowed);
  CHECK(page[http::Field::content_type] == "text/html; charset=utf-8");
  CHECK(page[http::Field::allow] == "GET, HEAD");
  CHECK(page[http::Field::retry_after] == "30");
  CHECK(page.body() == "<p>页面</p>");
  CHECK(page.keep_alive());
  CHECK(http::as_error_page(refused, "<p>页面</p>", true).body().empty());  // HEAD
}
