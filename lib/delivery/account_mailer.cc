#include "delivery/account_mailer.h"

#include <openssl/rand.h>

#include "base/log.h"
#include "delivery/endpoint_display.h"
#include "delivery/outbound_url.h"
#include "mail/account_email.h"
#include "mail/dsn.h"
#include "mail/reminder_email.h"
#include "wording/delivery_wording.h"

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

void AccountMailer::send(const std::string& address, std::int64_t subscriber_id, std::int64_t generation) {
  const Result<std::string> token =
      subscription::make_token(keys_, subscription::TokenPurpose::confirm, subscriber_id, generation);
  const std::string id = random_id();
  if (!token || id.empty()) {
    log::error("subscribe", "cannot make a confirmation link for subscriber " + std::to_string(subscriber_id));
    return;
  }
  const Result<std::string> body =
      mail::build_confirmation_email(headers_for(address, id), options_.public_url + "/confirm/" + *token);
  hand_over("confirmation email for subscriber " + std::to_string(subscriber_id), address, body, id);
}

void AccountMailer::send_notice(const store::PendingNotice& n) {
  const Result<std::string> token =
      subscription::make_token(keys_, subscription::TokenPurpose::manage, n.subscriber_id, n.token_generation);
  const std::string id = random_id();
  if (!token || id.empty()) {
    log::error("notice", "cannot make a manage link for subscriber " + std::to_string(n.subscriber_id));
    return;
  }
  const mail::EndpointNotice notice{n.kind, wording::endpoint_label(n.kind, shown_address(n.kind, n.address)), n.what, n.reason,
                                    options_.public_url + "/manage/" + *token};
  const Result<std::string> body = mail::build_endpoint_notice_email(headers_for(n.subscriber_email, id), notice);
  hand_over("notice (" + n.what + ") about endpoint " + std::to_string(n.endpoint_id), n.subscriber_email, body, id);
}

void AccountMailer::send_subscribe_answer(const std::string& address, const store::SubscribeOutcome& outcome) {
  if (!outcome.send_now) {
    log::info("subscribe", "mail to subscriber " + std::to_string(outcome.subscriber_id) +
                               " held back by the per-address limits: sent when due");
    return;
  }
  send_due({outcome.subscriber_id, address, outcome.token_generation, outcome.mail});
}

void AccountMailer::send_due(const store::AccountMail& m) {
  if (m.kind == store::AccountMailKind::confirmation) return send(m.email, m.subscriber_id, m.token_generation);
  send_manage_link(m.email, m.subscriber_id, m.token_generation);
}

void AccountMailer::send_manage_link(const std::string& address, std::int64_t subscriber_id, std::int64_t generation) {
  const Result<std::string> token =
      subscription::make_token(keys_, subscription::TokenPurpose::manage, subscriber_id, generation);
  const std::string id = random_id();
  if (!token || id.empty()) {
    log::error("subscribe", "cannot make a manage link for subscriber " + std::to_string(subscriber_id));
    return;
  }
  const auto rendered = mail::render_manage_link(address, options_.public_url + "/manage/" + *token);
  const Result<std::string> body =
      rendered ? mail::assemble_email(headers_for(address, id), *rendered) : Result<std::string>::failure(rendered.error());
  hand_over("manage-link email for subscriber " + std::to_string(subscriber_id), address, body, id);
}

void AccountMailer::send_welcome(const std::string& address, std::int64_t subscriber_id, std::int64_t generation) {
  const Result<std::string> manage =
      subscription::make_token(keys_, subscription::TokenPurpose::manage, subscriber_id, generation);
  const Result<std::string> unsubscribe =
      subscription::make_token(keys_, subscription::TokenPurpose::unsubscribe, subscriber_id, generation);
  const std::string id = random_id();
  if (!manage || !unsubscribe || id.empty()) {
    log::error("subscribe", "cannot make the welcome links for subscriber " + std::to_string(subscriber_id));
    return;
  }
  const auto rendered = mail::render_welcome(address, options_.public_url + "/manage/" + *manage,
                                             options_.public_url + "/unsubscribe/" + *unsubscribe);
  const Result<std::string> body =
      rendered ? mail::assemble_email(headers_for(address, id), *rendered) : Result<std::string>::failure(rendered.error());
  hand_over("welcome email for subscriber " + std::to_string(subscriber_id), address, body, id);
}

mail::MessageHeaders AccountMailer::headers_for(const std::string& address, const std::string& id) const {
  mail::MessageHeaders headers;
  headers.from_name = options_.from_name;
  headers.from_address = options_.from_address;
  headers.to_address = address;
  headers.message_id = id;
  headers.domain = domain_of(options_.from_address);
  headers.date = clock_.now();
  return headers;
}

void AccountMailer::hand_over(std::string what, const std::string& address, const Result<std::string>& body,
                              const std::string& id) {
  const Result<std::string> sender = mail::make_verp_sender("bounces", id, bounce_domain_of(options_));
  if (!body || !sender) {
    log::error("mail", what + " not built: " + (body ? sender.error() : body.error()));
    return;
  }
  client_.post(mail_request(options_, *body, *sender, address), [what = std::move(what)](HttpResult result) {
    if (result.error.empty() && result.status >= 200 && result.status < 300) {
      log::info("mail", what + " handed to the relay");
    } else {
      log::warning("mail", what + " not sent: SMTP " + std::to_string(result.status) + " " + result.error);
    }
  });
}

}  // namespace deadline::delivery
