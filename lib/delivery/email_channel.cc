#include "delivery/email_channel.h"

#include <algorithm>

#include "config/email_config.h"
#include "ical/window_event.h"
#include "mail/dsn.h"
#include "mail/reminder_email.h"
#include "render/change_view.h"
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

namespace {

// "programme/key/cycle" split into a window's identity (what the feed's UID is made of).
bool email_window_identity(const std::string& id, Window& window) {
  const std::size_t first = id.find('/');
  const std::size_t last = id.rfind('/');
  if (first == std::string::npos || first == last || first == 0 || last + 1 >= id.size()) return false;
  const std::string cycle = id.substr(last + 1);
  if (cycle.size() > 6 || cycle.find_first_not_of("0123456789") != std::string::npos) return false;
  window.programme_id = id.substr(0, first);
  window.key = id.substr(first + 1, last - first - 1);
  window.cycle = std::stoi(cycle);
  return true;
}

// A window the calendar no longer has (removed, or an estimate no longer made), as a cancelled
// event of the UID the feed gave it: the feed book's own withdrawn event when it has one (the
// SEQUENCE the feeds show), else built from the notice's record. Built, its SEQUENCE is not
// known here, so it carries the Unix minute of `now`: higher than any SEQUENCE the feed (one
// step per change of an event) can have given it, so a client that imported the window from an
// earlier email takes this as the newer version.
std::optional<ical::IcalEvent> email_withdrawn_event(const ToldChange& change, const RevisionWindow& was,
                                                     const ical::FeedBook& book, std::string_view uid_host,
                                                     const ical::Organizer& organizer, Instant now) {
  const date::time_zone& zone = book.zone();
  Window window;
  if (!email_window_identity(change.window_id, window)) return std::nullopt;
  if (auto known = book.withdrawn_event(ical::window_uid(window, uid_host))) return known;
  const auto closes = parse_bound(was.closes, BoundSide::closes);
  if (!closes) return std::nullopt;
  window.closes = Bound{*closes, was.closes_at};
  if (const auto opens = parse_bound(was.opens, BoundSide::opens); !was.opens.empty() && opens) {
    if (const auto opens_at = resolve_bound(*opens, BoundSide::opens, zone)) window.opens = Bound{*opens, *opens_at};
  }
  window.phrase = was.phrase;
  window.status = was.status == WindowStatus::cancelled ? WindowStatus::confirmed : was.status;
  window.notice = was.source;
  window.zone = &zone;
  Programme programme;
  programme.id = window.programme_id;
  programme.title = was.title;
  ical::IcalEvent event = ical::window_event(programme, window, uid_host, zone);
  const render::ChangeView view = render::make_change_view(change, now);
  event.summary = view.tag + "截止：" + was.title;
  event.description = view.what + "\n" + view.advice + "\n" + event.description;
  event.url = was.source.url;
  event.tentative = false;
  event.cancelled = true;
  event.organizer = organizer;
  event.sequence = static_cast<int>(
      std::chrono::duration_cast<std::chrono::minutes>(now.time_since_epoch()).count() & 0x7fffffff);
  event.last_modified = now;
  return event;
}

}  // namespace

std::optional<mail::MimeAttachment> EmailChannel::calendar_part(const std::vector<const Window*>& windows,
                                                                const std::vector<ToldChange>& changes,
                                                                Instant now) const {
  const std::shared_ptr<const ical::FeedBook> book = options_.feed_book ? options_.feed_book() : nullptr;
  if (!book) return std::nullopt;
  std::vector<const Window*> shown = windows;
  std::vector<ical::IcalEvent> withdrawn;
  for (const ToldChange& change : changes) {
    if (change.current) {
      // The book's event when the book is the revision the notice tells of (same close and
      // status); a book older or newer than the notice leaves the window out of this part.
      const Window* window = book->calendar().find_window(change.window_id);
      if (!window || window->closes.at != change.current->closes_at || window->status != change.current->status) continue;
      if (std::find(shown.begin(), shown.end(), window) == shown.end()) shown.push_back(window);
    } else if (change.previous && !book->calendar().find_window(change.window_id)) {
      const ical::Organizer organizer{options_.from_address, options_.from_name};
      if (auto event = email_withdrawn_event(change, *change.previous, *book, ical::uid_host_of(options_.public_url),
                                             organizer, now)) {
        withdrawn.push_back(std::move(*event));
      }
    }
  }
  std::vector<ical::IcalEvent> events = book->events_of(shown);
  for (ical::IcalEvent& event : withdrawn) events.push_back(std::move(event));
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
  // Change notices are told from their records, whatever the calendar holds now.
  content.changes = render::make_change_views(message.changes, now);
  if (content.views.empty() && content.changes.empty()) {
    return R::failure("nothing left to remind of in the current calendar");
  }
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
  const Result<std::string> body =
      mail::build_reminder_email(headers, std::move(content), calendar_part(windows, message.changes, now));
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
