#pragma once
// The HTTP API as a pure function: a request in, a response out, no socket. Routes and
// response shapes are in docs/http-api.md.

#include "http/app.h"
#include "http/message.h"

namespace deadline::http {

// Never throws: a failure inside the app state becomes a 500 JSON error. Every response is
// JSON with Server and Content-Length, and keeps the connection alive as the request asks.
Response handle_request(const AppState& app, const Request& request);

}  // namespace deadline::http
