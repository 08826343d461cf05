// The 429 page (lib/http/response.h too_many_requests): status, Retry-After and the page a
// person sees.

#include "http/response.h"

#include <doctest/doctest.h>

#include <string>

using namespace deadline::http;
using namespace std::chrono_literals;

TEST_CASE("too_many_requests answers 429 with Retry-After and a Chinese page") {
  const Response res = too_many_requests(42s, ReplyTo{11, true, false});
  CHECK(res.result() == Status::too_many_requests);
  CHECK(res[Field::retry_after] == "42");
  CHECK(res[Field::content_type] == "text/html; charset=utf-8");
  CHECK(res[Field::cache_control] == "no-store");
  CHECK(res.keep_alive());
  CHECK(res.body().find("<h1>请求过于频繁，请稍后再试</h1>") != std::string::npos);
  CHECK(res.body().find("请在 42 秒后重试。") != std::string::npos);
  CHECK(res[Field::content_length] == std::to_string(res.body().size()));
}

TEST_CASE("too_many_requests says minutes for a long wait and never less than a second") {
  CHECK(too_many_requests(60s, ReplyTo{}).body().find("请在约 1 分钟后重试。") != std::string::npos);
  CHECK(too_many_requests(61s, ReplyTo{}).body().find("请在约 2 分钟后重试。") != std::string::npos);
  const Response zero = too_many_requests(0s, ReplyTo{});
  CHECK(zero[Field::retry_after] == "1");
  CHECK(zero.body().find("请在 1 秒后重试。") != std::string::npos);
  CHECK(too_many_requests(-5s, ReplyTo{})[Field::retry_after] == "1");
  CHECK_FALSE(zero.keep_alive());
}

TEST_CASE("too_many_requests to a HEAD has the headers and no body") {
  const Response res = too_many_requests(5s, ReplyTo{11, false, true});
  CHECK(res.body().empty());
  CHECK(res[Field::retry_after] == "5");
  CHECK(res[Field::content_length] != "0");
}
