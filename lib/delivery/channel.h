#pragma once
// A delivery channel turns a claimed message into an HTTP request and judges the answer. One per
// endpoint kind (webhook now; email and the chat robots come with their issues).

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "calendar/calendar.h"
#include "delivery/http_client.h"
#include "delivery/rate_limit.h"
#include "store/records.h"

namespace deadline::delivery {

struct Verdict {
  // gone: the receiver asked to stop (disable the endpoint); misconfigured: the endpoint's own
  // settings make delivery impossible (it needs attention from its owner, not retries);
  // rejected: this message was refused for good (an SMTP 5xx on the recipient): it is dead, and
  // counts against the endpoint's health.
  enum class Kind { delivered, retry, gone, misconfigured, rejected } kind = Kind::retry;
  std::string error;                                              // for retry and gone
  // A platform's own back-off (DingTalk's 130101 throttles a robot for 10 minutes): the next
  // attempt waits at least this long, like a Retry-After the receiver sent.
  std::optional<std::chrono::seconds> wait_at_least{};
};

class Channel {
 public:
  virtual ~Channel() = default;
  virtual EndpointKind kind() const = 0;
  // The request for this attempt. A failure means this message cannot be sent at all (nothing
  // left in the calendar to remind of and no change notice to tell, an unusable secret): it is
  // not retried. Change notices (message.changes) are rendered from their records, never from
  // `calendar`: a message with changes builds even when none of its reminders is left.
  virtual Result<HttpRequest> build(const store::OutboundMessage& message, const Calendar& calendar,
                                    Instant now) const = 0;
  virtual Verdict judge(const HttpResult& result) const = 0;
  // How many messages one endpoint of this kind may take (the chat robots' platform limits). A
  // message over the limit waits for a free slot; none by default.
  virtual std::vector<RateLimit> rate_limits() const { return {}; }
};

}  // namespace deadline::delivery
