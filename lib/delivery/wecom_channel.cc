#include "delivery/wecom_channel.h"

#include <nlohmann/json.hpp>

#include "delivery/robot_markdown.h"

namespace deadline::delivery {

namespace {

const RobotReplyFormat kWeComReply{"WeCom", {"errcode"}, {"errmsg"}};

}  // namespace

std::string wecom_body(const std::vector<render::ReminderView>& views, const std::vector<render::ChangeView>& changes) {
  const nlohmann::json body = {
      {"msgtype", "markdown"},
      {"markdown", {{"content", robot_markdown(views, changes, kWeComMarkdown, kWeComMaxContentBytes)}}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<HttpRequest> WeComChannel::build(const store::OutboundMessage& message, const Calendar& calendar,
                                        Instant now) const {
  const auto content = robot_content(message, calendar, now);
  if (!content) return Result<HttpRequest>::failure(content.error());
  return Result<HttpRequest>::success(
      robot_request(options_, message.address, wecom_body(content->views, content->changes)));
}

Verdict WeComChannel::judge(const HttpResult& result) const {
  return judge_robot_reply(result, kWeComReply, [](const RobotReply& reply, std::string error) -> Verdict {
    switch (reply.code) {
      case kWeComRateLimited:
        return {Verdict::Kind::retry, std::move(error), std::chrono::seconds{60}};
      case kWeComInvalidKey:
        return {Verdict::Kind::misconfigured, std::move(error)};
      default:
        return {Verdict::Kind::retry, std::move(error)};
    }
  });
}

std::vector<RateLimit> WeComChannel::rate_limits() const { return platform_send_limits(EndpointKind::wecom); }

}  // namespace deadline::delivery
