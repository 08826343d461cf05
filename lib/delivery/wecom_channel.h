#pragma once
// WeCom (企业微信) group robots: a markdown message to the robot's webhook URL, whose `key`
// query parameter is the robot's only credential (no signature). The reply carries `errcode`
// (0 = sent) in an HTTP 200. docs/robots.md has the format, the codes and an example.

#include "delivery/robot_channel.h"
#include "delivery/rate_limit.h"

namespace deadline::delivery {

// WeCom counts the bytes of markdown.content: at most 4096.
inline constexpr std::size_t kWeComMaxContentBytes = 4096;
inline constexpr long long kWeComRateLimited = 45009;   // api freq out of limit
inline constexpr long long kWeComInvalidKey = 93000;    // invalid webhook url (the key)

class WeComChannel final : public Channel {
 public:
  explicit WeComChannel(RobotChannelOptions options) : options_(std::move(options)) {}
  EndpointKind kind() const override { return EndpointKind::wecom; }
  Result<HttpRequest> build(const store::OutboundMessage& message, const Calendar& calendar, Instant now) const override;
  Verdict judge(const HttpResult& result) const override;
  // 20 messages a minute per robot.
  std::vector<RateLimit> rate_limits() const override;

 private:
  RobotChannelOptions options_;
};

// The request body for these reminders and change notices (changes first):
// {"msgtype":"markdown","markdown":{"content":…}}.
std::string wecom_body(const std::vector<render::ReminderView>& views,
                       const std::vector<render::ChangeView>& changes = {});

}  // namespace deadline::delivery
