#pragma once
// The emails about a subscription rather than a deadline, sent straight to the SMTP relay (not
// through the outbox), with the same relay, From and envelope rules as reminders
// (EmailChannelOptions):
// - the double opt-in confirmation (PUBLIC_URL/confirm/TOKEN): asked for by someone at the form
//   right now; if it is lost they can ask again (the store's ConfirmationMailPolicy);
// - notices that an endpoint started failing, was disabled or needs attention, with the manage
//   link (PUBLIC_URL/manage/TOKEN); recorded durably by the store, handed over here once;
// - the welcome mail on confirming and the manage-link mail answering a subscribe request for an
//   active address (mail/account_email.h), so that the manage link can always be recovered.

#include <cstdint>
#include <string>

#include "delivery/email_channel.h"
#include "delivery/http_client.h"
#include "mail/reminder_email.h"
#include "store/records.h"
#include "subscription/tokens.h"
#include "time/clock.h"

namespace deadline::delivery {

class AccountMailer {
 public:
  // All three must outlive the mailer.
  AccountMailer(EmailChannelOptions options, const subscription::KeyRing& keys, HttpClient& client,
                     const Clock& clock)
      : options_(std::move(options)), keys_(keys), client_(client), clock_(clock) {}

  // Builds and hands the message to the relay; the outcome is logged (never the token).
  void send(const std::string& address, std::int64_t subscriber_id, std::int64_t generation);
  void send_notice(const store::PendingNotice& notice);

  // The mail that answers a subscribe request (store::SubscribeOutcome): nothing when the store
  // held it back (it is then due: send_due); else the confirmation or the manage-link mail.
  void send_subscribe_answer(const std::string& address, const store::SubscribeOutcome& outcome);
  // A held-back mail whose time has come (store::SubscriptionStore::take_due_account_mails).
  void send_due(const store::AccountMail& mail);
  // Once, on confirming: the manage and unsubscribe links to keep.
  void send_welcome(const std::string& address, std::int64_t subscriber_id, std::int64_t generation);

 private:
  void send_manage_link(const std::string& address, std::int64_t subscriber_id, std::int64_t generation);
  mail::MessageHeaders headers_for(const std::string& address, const std::string& id) const;
  void hand_over(std::string what, const std::string& address, const Result<std::string>& body, const std::string& id);

  EmailChannelOptions options_;
  const subscription::KeyRing& keys_;
  HttpClient& client_;
  const Clock& clock_;
};

}  // namespace deadline::delivery
