#pragma once
// A change notice as people read it, in Chinese: the words every human-facing channel (email
// text and HTML, the WeCom / DingTalk / Feishu robots) and the webhook's `text` show for one
// ToldChange (domain/change_notice.h). Like ReminderView for reminders, what a notice says is
// decided here, once; the channels only lay the strings out.
//
// A notice is rendered from its record alone (the window as released before and now): a removed
// window has no live calendar data, and a later revision must not change what an earlier notice
// said. Closes are worded as reminders word them (calendar/bound_text.h close_for_people: the
// same text as ReminderView::closes_text), read in Asia/Shanghai like every bundled calendar.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/change_notice.h"
#include "time/instant.h"

namespace deadline::render {

// 【已撤回】【延期】【变更】【已公布】【新增】【不再预估】: the word a notice leads with, in brackets.
std::string_view headline_tag(ChangeHeadline headline);

// One side of a change: the window as released before (previous) or now (current).
struct ChangeSideView {
  std::string label;          // 原截止 / 新截止 / 截止 (an added window); 原状态 / 现状态 when withdrawn
  std::string closes_text;    // "2024年12月10日 17:30" / "2024年12月20日" / "预计2024年11月" (full, with the year)
  std::string status_label;   // 预计 / 已确认 / 已撤回
  bool estimated = false;
  bool cancelled = false;     // a notice withdrew the window on this side
  std::string opens_text;     // "" when not known
  std::string phrase;         // the calendar's words for the window, verbatim (RevisionWindow::phrase)
  std::string cap_reason;     // the chain rule's words when it capped this close, else ""
  std::string source_text;    // "《通知标题》（发布单位，2024-11-05）"; "" when the window names no notice
  std::string source_url;     // the notice's URL; may be empty
  // What the side says of the close: "2024年12月10日 17:30（已确认）", "预计2024年11月", "已撤回".
  std::string when_text;
};

struct ChangeView {
  std::string window_id;
  std::string programme_id;
  std::string title;          // the programme's
  ChangeHeadline headline = ChangeHeadline::moved;
  std::string tag;            // headline_tag(headline)
  // What happened, without the title, the year left out when it is the current one:
  // "截止时间提前至12月10日 17:30", "截止时间延后至…", "已公布截止时间：…", "已撤回（原截止…）",
  // "新增申报窗口，截止…", "不再预估（原预估11月截止）", "截止时间延后至…，重新开放申报".
  std::string what;
  std::string summary;        // title + "：" + what
  std::string subject_what;   // `what` without spaces, for subjects: "截止时间提前至12月10日17:30"
  std::optional<ChangeSideView> previous;  // nullopt for an added window
  std::optional<ChangeSideView> current;   // nullopt for a removed or no longer estimated one
  // The reminder point the change put in the past while the window is open:
  // "原定于截止前7天的提醒已过，请尽快申报"; "" when none.
  std::string overdue_text;
  // What to do: "请按新的截止时间准备申报。", "该窗口已撤回，无需申报，以发布单位通知为准。", …
  std::string advice;
  bool withdrawn = false;     // nothing to apply for any more (withdrawn, removed, estimate dropped)
  bool moved_earlier = false;
  Instant closes;             // the current close, else the previous one: for ordering
};

// The close a notice is ordered by: the current window's, else the previous one's.
Instant change_close(const ToldChange& change);

// `now` decides only which year goes without saying in `what` (the current one, in Shanghai).
ChangeView make_change_view(const ToldChange& change, Instant now);

// One view per change, soonest close first (then title, then window id) whatever the input order.
std::vector<ChangeView> make_change_views(const std::vector<ToldChange>& changes, Instant now);

}  // namespace deadline::render
