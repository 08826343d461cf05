#include "delivery/notice_sender.h"

#include <utility>

#include "base/log.h"

namespace deadline::delivery {

namespace {
constexpr int kBatch = 50;
}

void NoticeSender::check() {
  if (running_) {
    again_ = true;
    return;
  }
  running_ = true;
  store_.run([](store::OutboxStore& s) { return s.pending_notices(kBatch); }, io_,
             [this](Result<std::vector<store::PendingNotice>> notices) {
               if (!notices) {
                 failures_.failure(notices.error());
                 running_ = false;
                 return;
               }
               failures_.success();
               std::vector<std::int64_t> handled;
               for (const store::PendingNotice& n : *notices) {
                 if (!n.subscriber_email.empty() && n.kind != EndpointKind::email) mailer_.send_notice(n);
                 handled.push_back(n.id);
               }
               const bool more = static_cast<int>(notices->size()) == kBatch;
               if (handled.empty()) {
                 running_ = false;
                 if (std::exchange(again_, false)) check();
                 return;
               }
               store_.run([handled, now = clock_.now()](store::OutboxStore& s) { return s.mark_notices_sent(handled, now); },
                          io_, [this, more](Status marked) {
                            if (!marked) log::error("notice", marked.error());
                            running_ = false;
                            if ((std::exchange(again_, false) || more) && marked) check();
                          });
             });
}

}  // namespace deadline::delivery
