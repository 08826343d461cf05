#pragma once
// Mails the notices the store recorded about failing endpoints (store::PendingNotice) to their
// subscribers, through the AccountMailer, and marks them handled. Runs when told something may
// have changed (after the dispatcher records results) and at start; runs are never concurrent.
// An email endpoint's own failure is not mailed to that same address (it would fail too).

#include <boost/asio/io_context.hpp>

#include "base/repeated_failure_log.h"
#include "delivery/account_mailer.h"
#include "store/outbox_store.h"
#include "store/store_client.h"
#include "time/clock.h"

namespace deadline::delivery {

class NoticeSender {
 public:
  NoticeSender(store::StoreClient<store::OutboxStore> store, boost::asio::io_context& io, AccountMailer& mailer, const Clock& clock)
      : store_(store), io_(io), mailer_(mailer), clock_(clock) {}

  void check();

 private:
  store::StoreClient<store::OutboxStore> store_;
  boost::asio::io_context& io_;
  AccountMailer& mailer_;
  const Clock& clock_;
  log::RepeatedFailureLog failures_{"notice"};  // a store away or paused: not a line a check
  bool running_ = false, again_ = false;
};

}  // namespace deadline::delivery
