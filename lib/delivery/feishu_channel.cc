#include "delivery/feishu_channel.h"

#include <nlohmann/json.hpp>

#include "delivery/robot_markdown.h"
#include "delivery/robot_signature.h"

namespace deadline::delivery {

namespace {

// "code" in current replies; older ones carried only "StatusCode".
const RobotReplyFormat kFeishuReply{"Feishu", {"code", "StatusCode"}, {"msg", "StatusMessage"}};

}  // namespace

std::string feishu_body(const std::vector<render::ReminderView>& views, std::string_view secret, Instant now,
                        const std::vector<render::ChangeView>& changes) {
  const std::string title = robot_title(views.size(), changes.size(), render::only_tests(views) && changes.empty());
  nlohmann::json body = {
      {"msg_type", "interactive"},
      {"card",
       {{"config", {{"wide_screen_mode", true}}},
        {"header", {{"template", "orange"}, {"title", {{"tag", "plain_text"}, {"content", title}}}}},
        {"elements",
         nlohmann::json::array({{{"tag", "markdown"},
                                 {"content", robot_markdown(views, changes, kFeishuMarkdown, kFeishuMaxMarkdownBytes,
                                                            /*with_title=*/false)}}})}}}};
  if (!secret.empty()) {
    const std::int64_t timestamp = unix_seconds(now);
    body["timestamp"] = std::to_string(timestamp);
    body["sign"] = feishu_sign(secret, timestamp);
  }
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<HttpRequest> FeishuChannel::build(const store::OutboundMessage& message, const Calendar& calendar,
                                         Instant now) const {
  const auto content = robot_content(message, calendar, now);
  if (!content) return Result<HttpRequest>::failure(content.error());
  return Result<HttpRequest>::success(
      robot_request(options_, message.address, feishu_body(content->views, message.secret, now, content->changes)));
}

Verdict FeishuChannel::judge(const HttpResult& result) const {
  return judge_robot_reply(result, kFeishuReply, [](const RobotReply& reply, std::string error) -> Verdict {
    switch (reply.code) {
      case kFeishuRateLimited:
        return {Verdict::Kind::retry, std::move(error), std::chrono::seconds{60}};
      case kFeishuBadSignature:
      case kFeishuIpNotAllowed:
      case kFeishuKeywordMissing:
        return {Verdict::Kind::misconfigured, std::move(error)};
      default:
        return {Verdict::Kind::retry, std::move(error)};
    }
  });
}

std::vector<RateLimit> FeishuChannel::rate_limits() const { return platform_send_limits(EndpointKind::feishu); }

}  // namespace deadline::delivery
