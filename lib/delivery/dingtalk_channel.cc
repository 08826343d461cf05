#include "delivery/dingtalk_channel.h"

#include <nlohmann/json.hpp>

#include "delivery/robot_markdown.h"
#include "delivery/robot_signature.h"

namespace deadline::delivery {

namespace {

const RobotReplyFormat kDingTalkReply{"DingTalk", {"errcode"}, {"errmsg"}};

}  // namespace

std::string dingtalk_body(const std::vector<render::ReminderView>& views, const std::vector<render::ChangeView>& changes) {
  // The title is what the chat list and the notification show.
  const std::string title = robot_title(views.size(), changes.size(), render::only_tests(views) && changes.empty());
  const nlohmann::json body = {
      {"msgtype", "markdown"},
      {"markdown",
       {{"title", title}, {"text", robot_markdown(views, changes, kDingTalkMarkdown, kDingTalkMaxTextBytes)}}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<HttpRequest> DingTalkChannel::build(const store::OutboundMessage& message, const Calendar& calendar,
                                           Instant now) const {
  if (!message.secret.empty() && !std::string_view(message.secret).starts_with(kDingTalkSecretPrefix)) {
    return Result<HttpRequest>::failure("endpoint secret: a DingTalk robot's secret starts with \"SEC\"");
  }
  const auto content = robot_content(message, calendar, now);
  if (!content) return Result<HttpRequest>::failure(content.error());
  std::string url = message.secret.empty() ? message.address : dingtalk_signed_url(message.address, message.secret, now);
  return Result<HttpRequest>::success(
      robot_request(options_, std::move(url), dingtalk_body(content->views, content->changes)));
}

Verdict DingTalkChannel::judge(const HttpResult& result) const {
  return judge_robot_reply(result, kDingTalkReply, [](const RobotReply& reply, std::string error) -> Verdict {
    switch (reply.code) {
      case kDingTalkTooFast:
        return {Verdict::Kind::retry, std::move(error), kDingTalkThrottle};
      case kDingTalkSecurityCheck:
        return {Verdict::Kind::misconfigured, std::move(error)};
      default:
        return {Verdict::Kind::retry, std::move(error)};
    }
  });
}

std::vector<RateLimit> DingTalkChannel::rate_limits() const { return platform_send_limits(EndpointKind::dingtalk); }

}  // namespace deadline::delivery
