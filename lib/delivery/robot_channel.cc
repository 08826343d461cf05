#include "delivery/robot_channel.h"

#include <nlohmann/json.hpp>

#include "delivery/robot_markdown.h"

namespace deadline::delivery {

namespace {

constexpr std::size_t kMaxPlatformMessageBytes = 200;

}  // namespace

Result<std::vector<render::ReminderView>> robot_reminder_views(const store::OutboundMessage& message,
                                                               const Calendar& calendar, Instant now) {
  std::vector<render::ReminderView> views;
  for (const store::DeliveryItem& item : message.items) {
    const Window* window = calendar.find_window(item.window_id);
    if (!window || window->closes.at != item.closes) continue;
    const Programme* programme = calendar.find_programme(window->programme_id);
    if (!programme) continue;
    views.push_back(render::make_reminder_view(*programme, *window, item.lead, now));
  }
  if (views.empty()) {
    return Result<std::vector<render::ReminderView>>::failure("nothing left to remind of in the current calendar");
  }
  render::sort_for_reading(views);
  return Result<std::vector<render::ReminderView>>::success(std::move(views));
}

Result<RobotContent> robot_content(const store::OutboundMessage& message, const Calendar& calendar, Instant now) {
  RobotContent content;
  content.changes = render::make_change_views(message.changes, now);
  Result<std::vector<render::ReminderView>> views = robot_reminder_views(message, calendar, now);
  if (views) {
    content.views = std::move(views).value();
  } else if (content.changes.empty()) {
    return Result<RobotContent>::failure(views.error());
  }
  return Result<RobotContent>::success(std::move(content));
}

HttpRequest robot_request(const RobotChannelOptions& options, std::string url, std::string body) {
  HttpRequest request;
  request.url = std::move(url);
  request.body = std::move(body);
  request.headers = {"Content-Type: application/json; charset=utf-8"};
  request.connect_timeout = options.connect_timeout;
  request.total_timeout = options.total_timeout;
  request.max_response_bytes = options.max_response_bytes;
  request.allow_hosts = options.allow_hosts;
  return request;
}

std::optional<RobotReply> parse_robot_reply(std::string_view body, const RobotReplyFormat& format) {
  const nlohmann::json reply = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!reply.is_object()) return std::nullopt;
  std::optional<RobotReply> out;
  for (const std::string_view field : format.code_fields) {
    const auto found = reply.find(std::string(field));
    if (found != reply.end() && found->is_number_integer()) {
      out = RobotReply{found->get<long long>(), {}};
      break;
    }
  }
  if (!out) return std::nullopt;
  for (const std::string_view field : format.message_fields) {
    const auto found = reply.find(std::string(field));
    if (found != reply.end() && found->is_string()) {
      out->message = found->get<std::string>();
      break;
    }
  }
  return out;
}

std::string robot_error(const RobotReplyFormat& format, const RobotReply& reply) {
  std::string error = std::string(format.platform) + " " + std::string(format.code_fields.front()) + " " +
                      std::to_string(reply.code);
  if (!reply.message.empty()) {
    const std::string_view message = utf8_prefix(reply.message, kMaxPlatformMessageBytes);
    error += ": " + std::string(message) + (message.size() < reply.message.size() ? "…" : "");
  }
  return error;
}

Verdict judge_robot_reply(const HttpResult& result, const RobotReplyFormat& format,
                          const std::function<Verdict(const RobotReply&, std::string error)>& classify) {
  if (result.refused_by_policy) return {Verdict::Kind::misconfigured, result.error};
  if (result.status == 0) return {Verdict::Kind::retry, result.error};
  const bool success_status = result.status >= 200 && result.status < 300;
  const std::optional<RobotReply> reply = parse_robot_reply(result.body, format);
  if (reply && reply->code != 0) return classify(*reply, robot_error(format, *reply));
  if (reply && success_status) return {Verdict::Kind::delivered, {}};
  if (success_status) {
    return {Verdict::Kind::retry, std::string(format.platform) + ": HTTP " + std::to_string(result.status) +
                                      " without a readable " + std::string(format.code_fields.front()) +
                                      " in the reply"};
  }
  if (result.status >= 300 && result.status < 400) {
    return {Verdict::Kind::retry, "HTTP " + std::to_string(result.status) + " (redirects are not followed)"};
  }
  return {Verdict::Kind::retry, "HTTP " + std::to_string(result.status)};
}

}  // namespace deadline::delivery
