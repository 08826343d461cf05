#pragma once
// Outbound HTTP POSTs for the delivery channels. The dispatcher talks to the HttpClient
// interface; CurlMultiClient is libcurl's multi interface on a delivery thread of its own
// (curl_multi_client.h): no thread per request, kept-alive connections, every transfer under the
// outbound address policy (address_policy.h): no redirects, no proxies, checked addresses.

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace deadline::delivery {

// Set on a request that is an email: `url` is the operator's relay (smtp:// or smtps://; the URL's
// path is the EHLO name), `body` the whole RFC 5322 message with CRLF line ends. The relay is the
// operator's own configuration, not a subscriber's URL, so the outbound address policy does not
// apply to it (the default relay is the local MTA on localhost).
struct MailEnvelope {
  std::string sender;                            // MAIL FROM (VERP), already validated
  std::string recipient;                         // RCPT TO, already validated
  std::string username, password;                // empty: no AUTH
  bool require_tls = true;                       // STARTTLS on smtp:// (plain only to loopback)
};

// An outbound request: an HTTP POST, or an email handed to the SMTP relay (`mail` set).
struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;              // "Name: value", already validated
  std::string body;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{30'000};
  std::size_t max_response_bytes = 64 * 1024;    // the rest of a response body is discarded
  std::vector<std::string> allow_hosts;          // exempt from https-only and address checks
  std::optional<MailEnvelope> mail;
};

struct HttpResult {
  long status = 0;                               // 0: no HTTP response. Mail: the relay's last
                                                 // SMTP reply code, also when `error` is set
  std::string body;                              // at most max_response_bytes
  std::optional<std::chrono::seconds> retry_after;
  std::string error;                             // transport failure; empty with a response
  // The URL is not allowed, when read or because every address its host resolved to was refused
  // at connect time (address_policy.h): no retry helps, its owner must change it.
  bool refused_by_policy = false;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Starts a POST; `done` runs on the client's io_context when it completes or fails.
  virtual void post(HttpRequest request, std::function<void(HttpResult)> done) = 0;
  virtual std::size_t in_flight() const = 0;
};

}  // namespace deadline::delivery
