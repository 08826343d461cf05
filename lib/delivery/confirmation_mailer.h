#pragma once
// Sends the double opt-in confirmation email straight to the SMTP relay (not through the outbox):
// it is asked for by someone at the form right now, and if it is lost they can ask again (within
// the store's ConfirmationMailPolicy). Same relay, From and envelope rules as reminders
// (EmailChannelOptions); the link is PUBLIC_URL/confirm/TOKEN.

#include <cstdint>
#include <string>

#include "delivery/email_channel.h"
#include "delivery/http_client.h"
#include "subscription/tokens.h"
#include "time/clock.h"

namespace deadline::delivery {

class ConfirmationMailer {
 public:
  // All three must outlive the mailer.
  ConfirmationMailer(EmailChannelOptions options, const subscription::KeyRing& keys, HttpClient& client,
                     const Clock& clock)
      : options_(std::move(options)), keys_(keys), client_(client), clock_(clock) {}

  // Builds and hands the message to the relay; the outcome is logged (never the token).
  void send(const std::string& address, std::int64_t subscriber_id, std::int64_t generation);

 private:
  EmailChannelOptions options_;
  const subscription::KeyRing& keys_;
  HttpClient& client_;
  const Clock& clock_;
};

}  // namespace deadline::delivery
