#pragma once
// Sends email through one client and everything else through another, so the SMTP relay gets
// its own connection and concurrency limits ([email] connections) apart from webhook receivers.

#include "delivery/http_client.h"

namespace deadline::delivery {

class RoutingClient final : public HttpClient {
 public:
  RoutingClient(HttpClient& web, HttpClient& mail) : web_(web), mail_(mail) {}
  void post(HttpRequest request, std::function<void(HttpResult)> done) override {
    HttpClient& client = request.mail ? mail_ : web_;
    client.post(std::move(request), std::move(done));
  }
  std::size_t in_flight() const override { return web_.in_flight() + mail_.in_flight(); }

 private:
  HttpClient& web_;
  HttpClient& mail_;
};

}  // namespace deadline::delivery
