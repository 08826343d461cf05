#include "delivery/webhook_channel.h"

#include "delivery/webhook_event.h"
#include "delivery/webhook_signature.h"

namespace deadline::delivery {

Result<HttpRequest> WebhookChannel::build(const store::OutboundMessage& message, const Calendar& calendar,
                                          Instant now) const {
  std::vector<WebhookReminder> reminders;
  for (const store::DeliveryItem& item : message.items) {
    const Window* window = calendar.find_window(item.window_id);
    // A window the calendar no longer has, or whose close moved (a new trigger covers it), is
    // not reminded of from this message.
    if (!window || window->closes.at != item.closes) continue;
    reminders.push_back({calendar.find_programme(window->programme_id), window, item.lead});
  }
  // Change notices are told from their records, whatever the calendar holds now: a message with
  // changes is sent even when none of its reminders is left (type deadline.change).
  if (reminders.empty() && message.changes.empty()) {
    return Result<HttpRequest>::failure("nothing left to remind of in the current calendar");
  }
  const Result<std::string> body = [&] {
    const std::lock_guard<std::mutex> lock(writer_mutex_);
    return writer_.body(message.id, now, reminders, calendar.revision(), message.changes);
  }();
  if (!body) return Result<HttpRequest>::failure(body.error());
  // During a rotation the endpoint holds "current previous": both sign (Standard Webhooks).
  std::vector<std::string> secrets;
  for (std::size_t start = 0; start <= message.secret.size();) {
    const std::size_t space = std::min(message.secret.find(' ', start), message.secret.size());
    if (space > start) secrets.push_back(message.secret.substr(start, space - start));
    start = space + 1;
  }
  const Result<WebhookSignatureHeaders> signature = sign_webhook(secrets, message.id, now, *body);
  if (!signature) return Result<HttpRequest>::failure("endpoint secret: " + signature.error());
  HttpRequest request;
  request.url = message.address;
  request.body = *body;
  request.headers = {"Content-Type: application/json; charset=utf-8", "webhook-id: " + signature->id,
                     "webhook-timestamp: " + signature->timestamp, "webhook-signature: " + signature->signature};
  request.connect_timeout = options_.connect_timeout;
  request.total_timeout = options_.total_timeout;
  request.max_response_bytes = options_.max_response_bytes;
  request.allow_hosts = options_.allow_hosts;
  return Result<HttpRequest>::success(std::move(request));
}

Verdict WebhookChannel::judge(const HttpResult& result) const {
  if (result.status >= 200 && result.status < 300) return {Verdict::Kind::delivered, {}};
  if (result.refused_by_policy) return {Verdict::Kind::misconfigured, result.error};
  if (result.status == 0) return {Verdict::Kind::retry, result.error};
  if (result.status == 410) return {Verdict::Kind::gone, "HTTP 410 Gone: the receiver asked to stop"};
  if (result.status >= 300 && result.status < 400) {
    return {Verdict::Kind::retry, "HTTP " + std::to_string(result.status) + " (redirects are not followed)"};
  }
  return {Verdict::Kind::retry, "HTTP " + std::to_string(result.status)};
}

}  // namespace deadline::delivery
