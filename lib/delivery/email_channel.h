#pragma once
// Reminders by email: the message (mail/reminder_email.h: Chinese text and HTML, List-Unsubscribe
// one-click) handed to the operator's SMTP relay through libcurl (HttpRequest::mail).
//
// The envelope sender is VERP ("bounces+MESSAGEID@domain", mail/dsn.h), so a bounce that comes
// back later names the message (`deadlinectl bounce`). The Message-ID is the message id: the same
// on every retry, so a reader's client shows one message even if the relay got it twice.
//
// How the relay's answer is judged:
//   2xx after DATA                         delivered
//   4xx anywhere                           retry on the schedule
//   5xx on RCPT TO, or on the message      rejected: this message is dead, and it counts against
//                                          the endpoint (repeated ones set it to needs_attention)
//   5xx on MAIL FROM / AUTH, TLS refused   retry: the relay or our own settings are at fault, not
//                                          the subscriber's address (the operator is told in the log)
//   connection lost, even after the dot    retry, same Message-ID

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "delivery/channel.h"
#include "ical/feed_book.h"
#include "mail/mime.h"
#include "subscription/tokens.h"

namespace deadline::delivery {

struct EmailChannelOptions {
  std::string relay = "smtp://localhost:25";
  std::string username, password;                // from [email] credentials_file
  std::string from_address = "deadlined@localhost.localdomain";
  std::string from_name = "申报提醒";
  std::string ehlo_name = "localhost";
  std::string bounce_domain;                     // empty: the From address's domain
  std::string list_id;
  std::string public_url = "http://127.0.0.1:8080";  // links: /unsubscribe/TOKEN, /manage/TOKEN
  // The feeds in force: each reminder carries its windows (and the windows its change notices
  // tell of) as the feeds' events (same UIDs) in a text/calendar; method=PUBLISH part. Unset, or
  // no book yet: no calendar part.
  std::function<std::shared_ptr<const ical::FeedBook>()> feed_book;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{60'000};
};

class EmailChannel final : public Channel {
 public:
  // `keys` must outlive the channel.
  EmailChannel(EmailChannelOptions options, const subscription::KeyRing& keys);
  EndpointKind kind() const override { return EndpointKind::email; }
  Result<HttpRequest> build(const store::OutboundMessage& message, const Calendar& calendar, Instant now) const override;
  Verdict judge(const HttpResult& result) const override;

 private:
  // The reminder's windows and the changed ones as the feeds' events, for the email's
  // text/calendar part (METHOD:PUBLISH): a reminded window and a changed window the feed book
  // still has (its revision the one the notice tells of) as the book's event, with the feed's UID
  // and the SEQUENCE the feed store raised when the event changed (a withdrawn window's event says
  // STATUS:CANCELLED); a window the calendar no longer has (removed, or an estimate no longer
  // made) as an event of the feed's UID with STATUS:CANCELLED built from the notice's record.
  std::optional<mail::MimeAttachment> calendar_part(const std::vector<const Window*>& windows,
                                                    const std::vector<ToldChange>& changes, Instant now) const;

  EmailChannelOptions options_;
  const subscription::KeyRing& keys_;
};

// The part of an address after '@' ("" when there is none).
std::string domain_of(const std::string& address);

// A message for the relay `options` name: the EHLO name as the URL's path (libcurl reads it
// there), STARTTLS required unless the relay is loopback, the options' credentials and timeouts.
HttpRequest mail_request(const EmailChannelOptions& options, std::string message, std::string sender,
                         std::string recipient);

// The envelope domain: bounce_domain, else the From address's.
std::string bounce_domain_of(const EmailChannelOptions& options);

}  // namespace deadline::delivery
