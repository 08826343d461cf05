#pragma once
// The site's own error answers for people at a browser. Routes under /api/ and /admin/ answer
// JSON (the API's error shape, response.h); a request for a page that this module refuses itself
// (404 on an unknown path, 405, 413, 431, 400) gets an HTML page in Chinese with a way back
// instead, built by AppState::error_page. Pure.

#include <string>
#include <string_view>

#include "http/message.h"

namespace deadline::http {

// Whether an error answer to this request should be a page: the path is not the JSON API's
// (/api/…, /admin/…, /healthz, /metrics), or the client asks for HTML first (a browser's
// navigation sends "Accept: text/html,…"; API clients send */* or application/json).
bool wants_error_page(std::string_view target, std::string_view accept);

// The target of a request whose head could not be read whole (431): the second word of the
// first line of the bytes received ("GET /x HTTP/1.1" → "/x"); "" when there is none.
std::string_view request_line_target(std::string_view received);

// `json_error` (a 4xx or 5xx built by this module) as the HTML page `html`, with the same
// status, connection handling and the headers that matter to the client (Allow, Retry-After).
Response as_error_page(const Response& json_error, std::string html, bool head);

}  // namespace deadline::http
