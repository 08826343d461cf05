#include "delivery/email_channel.h"

#include "config/email_config.h"
#include "mail/dsn.h"
#include "mail/reminder_email.h"
#include "render/reminder_view.h"

namespace deadline::delivery {

std::string domain_of(const std::string& address) {
  const auto at = address.rfind('@');
  return at == std::string::npos ? std::string() : address.substr(at + 1);
}

std::string bounce_domain_of(const EmailChannelOptions& options) {
  return options.bounce_domain.empty() ? domain_of(options.from_address) : options.bounce_domain;
}

HttpRequest mail_request(const EmailChannelOptions& options, std::string message, std::string sender,
                         std::string recipient) {
  HttpRequest request;
  request.url = options.relay;
  while (!request.url.empty() && request.url.back() == '/') request.url.pop_back();
  request.url += "/" + options.ehlo_name;
  request.body = std::move(message);
  request.connect_timeout = options.connect_timeout;
  request.total_timeout = options.total_timeout;
  request.mail = MailEnvelope{std::move(sender), std::move(recipient), options.username, options.password,
                              !relay_is_loopback(options.relay)};
  return request;
}

EmailChannel::EmailChannel(EmailChannelOptions options, const subscription::KeyRing& keys)
    : options_(std::move(options)), keys_(keys) {}

std::optional<mail::MimeAttachment> EmailChannel::calendar_part(const std::vector<const Window*>& windows) const {
  const std::shared_ptr<const ical::FeedBook> book = options_.feed_book ? options_.feed_book() : nullptr;
  if (!book) return std::nullopt;
  const std::vector<ical::IcalEvent> events = book->events_of(windows);
  if (events.empty()) return std::nullopt;
  ical::FeedOptions options;
  options.name = "申报截止提醒";
  options.method = "PUBLISH";
  options.zone = &book->zone();
  return mail::MimeAttachment{"text/calendar; method=PUBLISH; charset=UTF-8", "reminders.ics",
                              ical::write_calendar(options, events)};
}

Result<HttpRequest> EmailChannel::build(const store::OutboundMessage& message, const Calendar& calendar,
                                        Instant now) const {
  using R = Result<HttpRequest>;
  mail::ReminderContent content;
  std::vector<const Window*> windows;
  for (const store::DeliveryItem& item : message.items) {
    const Window* window = calendar.find_window(item.window_id);
    // As for webhooks: a window gone from the calendar, or whose close moved, is not reminded of.
    if (!window || window->closes.at != item.closes) continue;
    windows.push_back(window);
    content.views.push_back(render::make_reminder_view(*calendar.find_programme(window->programme_id), *window,
                                                       item.lead, now));
  }
  if (content.views.empty()) return R::failure("nothing left to remind of in the current calendar");
  const auto link = [&](subscription::TokenPurpose purpose, const char* path) -> Result<std::string> {
    const Result<std::string> token = subscription::make_token(keys_, purpose, message.subscriber_id, message.token_generation);
    if (!token) return token;
    return Result<std::string>::success(options_.public_url + path + *token);
  };
  const Result<std::string> unsubscribe = link(subscription::TokenPurpose::unsubscribe, "/unsubscribe/");
  const Result<std::string> manage = link(subscription::TokenPurpose::manage, "/manage/");
  if (!unsubscribe || !manage) return R::failure("cannot make the message's links: " + (unsubscribe ? manage : unsubscribe).error());
  content.now = now;
  content.manage_url = *manage;

  mail::MessageHeaders headers;
  headers.from_name = options_.from_name;
  headers.from_address = options_.from_address;
  headers.to_address = message.address;
  headers.message_id = message.id;
  headers.domain = domain_of(options_.from_address);
  headers.date = now;
  headers.list_id = options_.list_id;
  headers.unsubscribe_url = *unsubscribe;
  const Result<std::string> body = mail::build_reminder_email(headers, std::move(content), calendar_part(windows));
  if (!body) return R::failure(body.error());
  const Result<std::string> sender = mail::make_verp_sender("bounces", message.id, bounce_domain_of(options_));
  if (!sender) return R::failure("envelope sender: " + sender.error());

  return R::success(mail_request(options_, *body, *sender, message.address));
}

Verdict EmailChannel::judge(const HttpResult& result) const {
  const long code = result.status;
  if (result.error.empty() && code >= 200 && code < 300) return {Verdict::Kind::delivered, {}};
  const std::string what = "SMTP " + (code > 0 ? std::to_string(code) + ": " : std::string()) +
                           (result.error.empty() ? "unexpected reply" : result.error);
  if (code >= 500 && code < 600) {
    // libcurl says which command failed ("RCPT failed: 550", "MAIL failed: 553", ...). A refusal of
    // the recipient or of the message itself is final for this message; anything earlier is the
    // relay's or our configuration's fault, and a retry may succeed once it is fixed.
    const bool recipient = result.error.find("RCPT") != std::string::npos;
    const bool message = result.error.find("MAIL") == std::string::npos &&
                         result.error.find("AUTH") == std::string::npos &&
                         result.error.find("Login") == std::string::npos &&
                         result.error.find("login") == std::string::npos;
    if (recipient || message) return {Verdict::Kind::rejected, what};
  }
  return {Verdict::Kind::retry, what};
}

}  // namespace deadline::delivery
