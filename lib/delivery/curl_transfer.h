#pragma once
// One outbound request on a libcurl easy handle: the options an HttpRequest asks for (an HTTP
// POST under the outbound address policy, or an email to the SMTP relay), and the HttpResult read
// back when libcurl reports it done. Only the delivery thread of CurlMultiClient touches it
// (curl_multi_client.h); this file knows nothing of threads or of the multi handle.

#include <curl/curl.h>

#include <functional>
#include <memory>
#include <string>

#include "delivery/address_policy.h"
#include "delivery/http_client.h"

namespace deadline::delivery {

struct CurlTransfer {
  CurlTransfer(HttpRequest r, std::function<void(HttpResult)> d) : request(std::move(r)), done(std::move(d)) {}
  ~CurlTransfer();
  CurlTransfer(const CurlTransfer&) = delete;
  CurlTransfer& operator=(const CurlTransfer&) = delete;

  HttpRequest request;
  std::function<void(HttpResult)> done;          // called on the client's io_context, never here
  CURL* easy = nullptr;                          // the client's; lent for this transfer
  curl_slist* headers = nullptr;
  curl_slist* recipients = nullptr;              // mail only
  std::size_t uploaded = 0;                      // mail only: bytes of the message read so far
  std::unique_ptr<OutboundGuard> guard;          // HTTP only: what the open-socket callback checks
  HttpResult result;
  char error[CURL_ERROR_SIZE] = {};
};

// Sets `t.easy` (a fresh or reset handle) up for `t.request`. False when it cannot be sent, with
// t.result saying why (a URL the policy refuses sets refused_by_policy).
bool prepare_transfer(CurlTransfer& t, const std::string& user_agent);

// Fills t.result from the finished transfer: the status (for mail also after a failure: the
// relay's reply code), the error, and whether the policy refused every address.
void finish_transfer(CurlTransfer& t, CURLcode code);

}  // namespace deadline::delivery
