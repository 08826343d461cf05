#pragma once
// What the three chat-robot channels (wecom_channel.h, dingtalk_channel.h, feishu_channel.h)
// share: their options, the reminders of a message as people read them, the JSON request, and
// reading the platform's verdict out of the reply. docs/robots.md is the reference.
//
// All three answer HTTP 200 whether or not they took the message: the platform's code in the
// body decides. A 2xx whose body cannot be read (or has no code) is retried, never taken as
// delivered.

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "calendar/calendar.h"
#include "delivery/channel.h"
#include "delivery/http_client.h"
#include "render/change_view.h"
#include "render/reminder_view.h"
#include "store/records.h"

namespace deadline::delivery {

struct RobotChannelOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{30'000};
  std::size_t max_response_bytes = 64 * 1024;
  std::vector<std::string> allow_hosts;
};

// The message's reminders whose windows the current calendar still has with the same close (a
// window gone or moved is not reminded of from this message), as render::make_reminder_view
// words them at `now`, soonest close first. Fails when none is left.
Result<std::vector<render::ReminderView>> robot_reminder_views(const store::OutboundMessage& message,
                                                               const Calendar& calendar, Instant now);

// What a robot message shows: the reminders robot_reminder_views keeps (none is fine here) and
// the message's change notices, rendered from their records (render::make_change_views) whatever
// the calendar holds now. Fails only when neither is left.
struct RobotContent {
  std::vector<render::ReminderView> views;
  std::vector<render::ChangeView> changes;
};
Result<RobotContent> robot_content(const store::OutboundMessage& message, const Calendar& calendar, Instant now);

// A POST of `body` (JSON) to `url` with the options' timeouts and allow-list.
HttpRequest robot_request(const RobotChannelOptions& options, std::string url, std::string body);

// How a platform's reply body carries its verdict.
struct RobotReplyFormat {
  std::string_view platform;                    // "WeCom", for messages
  std::vector<std::string_view> code_fields;    // the first present integer field is the code
  std::vector<std::string_view> message_fields; // the first present string field is its message
};

// The platform's code and message in a reply body; nullopt when the body is not a JSON object
// with one of the code fields as an integer.
struct RobotReply {
  long long code = 0;
  std::string message;
};
std::optional<RobotReply> parse_robot_reply(std::string_view body, const RobotReplyFormat& format);

// "DingTalk errcode 310000: keywords not in content": the platform's message cut to 200 bytes
// at a character boundary.
std::string robot_error(const RobotReplyFormat& format, const RobotReply& reply);

// The shared judgement: no response → retry; refused by the outbound policy → misconfigured; a
// reply with code 0 and a 2xx status → delivered; any other code → `classify` (which sees only
// non-zero codes); a 2xx with an unreadable body → retry; other statuses → retry.
Verdict judge_robot_reply(const HttpResult& result, const RobotReplyFormat& format,
                          const std::function<Verdict(const RobotReply&, std::string error)>& classify);

}  // namespace deadline::delivery
