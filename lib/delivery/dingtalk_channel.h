#pragma once
// DingTalk (钉钉) custom robots: a markdown message to the robot's webhook URL (access_token in
// the query). A robot with 加签 (a secret starting "SEC") needs `timestamp` (ms) and `sign` added
// to the query (robot_signature.h); one with a keyword needs the keyword in the text, one with an
// IP list needs our address on it. The reply carries `errcode` (0 = sent) in an HTTP 200.
// docs/robots.md has the format, the codes and an example.

#include "delivery/robot_channel.h"
#include "delivery/rate_limit.h"

namespace deadline::delivery {

// Our bound on markdown.text: DingTalk's own limit is larger; a group message longer than this
// is not read anyway.
inline constexpr std::size_t kDingTalkMaxTextBytes = 16 * 1024;
inline constexpr long long kDingTalkTooFast = 130101;        // send too fast: the robot is throttled 10 min
inline constexpr long long kDingTalkSecurityCheck = 310000;  // keyword, signature or IP check failed
inline constexpr std::chrono::seconds kDingTalkThrottle{10 * 60};

class DingTalkChannel final : public Channel {
 public:
  explicit DingTalkChannel(RobotChannelOptions options) : options_(std::move(options)) {}
  EndpointKind kind() const override { return EndpointKind::dingtalk; }
  Result<HttpRequest> build(const store::OutboundMessage& message, const Calendar& calendar, Instant now) const override;
  Verdict judge(const HttpResult& result) const override;
  // 20 messages a minute per robot.
  std::vector<RateLimit> rate_limits() const override;

 private:
  RobotChannelOptions options_;
};

// {"msgtype":"markdown","markdown":{"title":…,"text":…}}.
std::string dingtalk_body(const std::vector<render::ReminderView>& views,
                          const std::vector<render::ChangeView>& changes = {});

}  // namespace deadline::delivery
