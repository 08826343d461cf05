#include "delivery/confirmation_mailer.h"

#include <openssl/rand.h>

#include "base/log.h"
#include "mail/dsn.h"
#include "mail/reminder_email.h"

namespace deadline::delivery {

namespace {

// A Message-ID of our own for a mail that is not an outbox message: 32 random hex digits, the
// same shape as the outbox's ids.
std::string random_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return {};
  static const char* const hex = "0123456789abcdef";
  std::string id;
  for (const unsigned char b : bytes) {
    id += hex[b >> 4];
    id += hex[b & 15];
  }
  return id;
}

}  // namespace

void ConfirmationMailer::send(const std::string& address, std::int64_t subscriber_id, std::int64_t generation) {
  const Result<std::string> token =
      subscription::make_token(keys_, subscription::TokenPurpose::confirm, subscriber_id, generation);
  const std::string id = random_id();
  if (!token || id.empty()) {
    log::error("subscribe", "cannot make a confirmation link for subscriber " + std::to_string(subscriber_id));
    return;
  }
  mail::MessageHeaders headers;
  headers.from_name = options_.from_name;
  headers.from_address = options_.from_address;
  headers.to_address = address;
  headers.message_id = id;
  headers.domain = domain_of(options_.from_address);
  headers.date = clock_.now();
  const Result<std::string> body = mail::build_confirmation_email(headers, options_.public_url + "/confirm/" + *token);
  const Result<std::string> sender = mail::make_verp_sender("bounces", id, bounce_domain_of(options_));
  if (!body || !sender) {
    log::error("subscribe", "confirmation email for subscriber " + std::to_string(subscriber_id) +
                                " not built: " + (body ? sender.error() : body.error()));
    return;
  }
  client_.post(mail_request(options_, *body, *sender, address), [subscriber_id](HttpResult result) {
    if (result.error.empty() && result.status >= 200 && result.status < 300) {
      log::info("subscribe", "confirmation email for subscriber " + std::to_string(subscriber_id) + " handed to the relay");
    } else {
      log::warning("subscribe", "confirmation email for subscriber " + std::to_string(subscriber_id) +
                                    " not sent: SMTP " + std::to_string(result.status) + " " + result.error);
    }
  });
}

}  // namespace deadline::delivery
