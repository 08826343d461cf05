#pragma once
// One markdown layout for the three chat robots (WeCom, DingTalk, Feishu; docs/robots.md): the
// fields of render::ReminderView and render::ChangeView (what a reminder and a change notice say
// is decided there) laid out as a message a group reads on a phone. A digest lists every change
// notice of the message first (headline tag, what happened, previous and new close, the phrase,
// the notice it rests on, a reminder point that passed, what to do), then every reminder, each
// list soonest close first.
//
// The platforms' markdown dialects differ in small ways, carried by RobotMarkdownDialect:
// DingTalk needs two spaces before a line break, Feishu's card markdown has no headings and no
// block quotes (its card header holds the title).
//
// A message has a size limit (WeCom: 4096 bytes of content). The text is fitted into it without
// ever cutting a UTF-8 character: whole reminders while they fit, then one short line per
// remaining reminder or change, then a count of those that did not fit at all. Every change
// notice's text contains 截止, the keyword docs/robots.md tells groups to configure.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "render/change_view.h"
#include "render/reminder_view.h"

namespace deadline::delivery {

inline constexpr std::string_view kRobotMessageTitle = "申报截止提醒";
// The title of a message that carries change notices only.
inline constexpr std::string_view kRobotChangeTitle = "申报时间变化";

struct RobotMarkdownDialect {
  std::string_view line_break = "\n";  // DingTalk: "  \n"
  bool headings = true;                // "## …" / "### …"; false: bold lines instead
  bool quotes = true;                  // "> phrase"; false: 原文：「phrase」
};

inline constexpr RobotMarkdownDialect kWeComMarkdown{"\n", true, true};
inline constexpr RobotMarkdownDialect kDingTalkMarkdown{"  \n", true, true};
inline constexpr RobotMarkdownDialect kFeishuMarkdown{"\n", false, false};

// A test reminder (render::only_tests, no changes) is marked: 【测试】 before the title and each
// entry's title, and wording::test_reminder_note under the title.
// The digest as markdown, at most `max_bytes` bytes of valid UTF-8 (when the views' strings are
// valid UTF-8). `views` are ordered here (render::sort_for_reading). `with_title`: start with the
// title as a heading (WeCom and DingTalk; Feishu shows it in the card header).
std::string robot_markdown(std::vector<render::ReminderView> views, const RobotMarkdownDialect& dialect,
                           std::size_t max_bytes, bool with_title = true);
// The same with change notices before the reminders (either list may be empty). The title is
// kRobotChangeTitle when there are changes only.
std::string robot_markdown(std::vector<render::ReminderView> views, std::vector<render::ChangeView> changes,
                           const RobotMarkdownDialect& dialect, std::size_t max_bytes, bool with_title = true);

// The title a message's chat-list entry and card header show: kRobotMessageTitle, or
// kRobotChangeTitle for changes only, with "（N 项）" for a digest; "【测试】申报截止提醒" for a test
// reminder (`test`: render::only_tests of the views, and no changes).
std::string robot_title(std::size_t reminders, std::size_t changes, bool test = false);

// The longest prefix of `text` of at most `max_bytes` bytes that does not end inside a UTF-8
// character (a lead byte is never kept without all its continuation bytes).
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

}  // namespace deadline::delivery
