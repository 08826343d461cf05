#pragma once
// Every response this module sends, from a route or from the connection itself (431, 413), is
// JSON built here, so all of them carry the same headers and the same error shape.

#include <chrono>
#include <nlohmann/json.hpp>
#include <string_view>

#include "http/message.h"

namespace deadline::http {

// What a response must match in the request it answers.
struct ReplyTo {
  unsigned version = 11;
  bool keep_alive = false;
  bool head = false;  // HEAD: the headers (Content-Length included) a GET would get, no body
};

ReplyTo reply_to(const Request& request);

// Content-Type application/json; charset=utf-8, Server, Content-Length, Connection as `to` says.
// Invalid UTF-8 in `body` (echoed from a request) is replaced, never thrown.
Response json_response(Status status, const nlohmann::json& body, const ReplyTo& to);

// {"error":{"code":code,"field":field or null when empty,"message":message}}. `code` is the
// stable part clients branch on; `message` is for people and may change.
Response error_response(Status status, std::string_view code, std::string_view field,
                        std::string_view message, const ReplyTo& to);

// An HTML page (text/html; charset=utf-8) with the same headers as json_response, and a
// Content-Security-Policy that allows no scripts and nothing from elsewhere.
Response html_response(Status status, std::string html, const ReplyTo& to);

// 429 Too Many Requests for a person at a browser (the pages that send email, rate_limiter.h):
// an html_response page "请求过于频繁，请稍后再试" saying roughly when to try again, and
// Retry-After: the seconds given (at least 1).
Response too_many_requests(std::chrono::seconds retry_after, const ReplyTo& to);

}  // namespace deadline::http
