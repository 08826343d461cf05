#pragma once
// Signed webhooks (docs/webhooks.md): a JSON event per message, Standard Webhooks headers
// (webhook-id = the message id on every attempt; timestamp and signature fresh each time). Only
// 2xx is success; 410 Gone disables the endpoint; anything else (3xx included: redirects are not
// followed) is retried.

#include <mutex>

#include "delivery/channel.h"
#include "delivery/webhook_event.h"

namespace deadline::delivery {

struct WebhookChannelOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{30'000};
  std::size_t max_response_bytes = 64 * 1024;
  std::vector<std::string> allow_hosts;
};

class WebhookChannel final : public Channel {
 public:
  explicit WebhookChannel(WebhookChannelOptions options) : options_(std::move(options)) {}
  EndpointKind kind() const override { return EndpointKind::webhook; }
  Result<HttpRequest> build(const store::OutboundMessage& message, const Calendar& calendar, Instant now) const override;
  Verdict judge(const HttpResult& result) const override;

 private:
  WebhookChannelOptions options_;
  // build() is const for the dispatcher, but reuses event JSON across messages (the writer's cache).
  mutable std::mutex writer_mutex_;
  mutable WebhookEventWriter writer_;
};

}  // namespace deadline::delivery
