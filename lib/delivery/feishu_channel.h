#pragma once
// Feishu (飞书) custom bots: an interactive card with one markdown element, POSTed to the bot's
// webhook URL (its hook id in the path). A bot with 签名校验 needs `timestamp` (s) and `sign` in
// the JSON body (robot_signature.h); the secret is optional. The reply carries `code` (0 = sent)
// in an HTTP 200. docs/robots.md has the format, the codes and an example.

#include "delivery/robot_channel.h"
#include "delivery/rate_limit.h"

namespace deadline::delivery {

// Our bound on the card's markdown: Feishu takes request bodies up to 20 KB.
inline constexpr std::size_t kFeishuMaxMarkdownBytes = 16 * 1024;
inline constexpr long long kFeishuRateLimited = 11232;    // frequency limited
inline constexpr long long kFeishuBadSignature = 19021;   // sign match fail or timestamp over an hour off
inline constexpr long long kFeishuIpNotAllowed = 19022;   // ip not allowed
inline constexpr long long kFeishuKeywordMissing = 19024; // key words not found

class FeishuChannel final : public Channel {
 public:
  explicit FeishuChannel(RobotChannelOptions options) : options_(std::move(options)) {}
  EndpointKind kind() const override { return EndpointKind::feishu; }
  Result<HttpRequest> build(const store::OutboundMessage& message, const Calendar& calendar, Instant now) const override;
  Verdict judge(const HttpResult& result) const override;
  // 5 messages a second and 100 a minute per bot.
  std::vector<RateLimit> rate_limits() const override;

 private:
  RobotChannelOptions options_;
};

// {"msg_type":"interactive","card":{…}} plus "timestamp" and "sign" when `secret` is not empty.
std::string feishu_body(const std::vector<render::ReminderView>& views, std::string_view secret, Instant now,
                        const std::vector<render::ChangeView>& changes = {});

}  // namespace deadline::delivery
