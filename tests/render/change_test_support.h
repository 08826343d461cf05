#pragma once
// Change notices the render, mail and delivery tests share (domain/change_notice.h): records as a
// released revision gives them, from the bundled handbook and from the diff fixture pair
// (tests/calendar/fixtures/diff). The notices named here are made up for the tests.

#include <string>
#include <string_view>
#include <vector>

#include "domain/change_notice.h"
#include "domain/revision.h"
#include "schedule/revision_windows.h"
#include "test_support.h"

namespace deadline::test {

// When the notices below are told: 27 November 2024, 09:00 in Shanghai.
inline Instant change_told_at() { return at("2024-11-27T09:00+08:00"); }

inline const std::vector<RevisionWindow>& handbook_revision() {
  static const std::vector<RevisionWindow> windows = revision_windows(handbook());
  return windows;
}

inline RevisionWindow handbook_revision_window(std::string_view id) {
  for (const RevisionWindow& w : handbook_revision()) {
    if (w.id == id) return w;
  }
  FAIL("no window " << std::string(id) << " in the handbook");
  return {};
}

inline constexpr const char* kMovedWindow = "jiangsu-proof-of-concept-centres-batch2/apply/2024";        // 2024-12-30 17:30
inline constexpr const char* kCancelledWindow = "emergency-communication-equipment-challenge/apply/2024";  // 2024-12-20
inline constexpr const char* kAddedWindow = "sme-challenge-response/apply/2024";                           // before 2024-12-15

// 省第二批概念验证中心: 网上填报 closes on 10 December 17:30 instead of 30 December; the 14-day
// reminder point (26 November) is in the past when this is told.
inline ToldChange moved_earlier_change() {
  ToldChange c;
  c.window_id = kMovedWindow;
  c.kinds = {ChangeKind::moved};
  c.previous = handbook_revision_window(kMovedWindow);
  RevisionWindow now = *c.previous;
  now.closes = "2024-12-10T17:30";
  now.closes_at = at("2024-12-10T17:30+08:00");
  now.closes_from = now.closes_at;
  now.phrase = "网上填报截止时间调整为2024年12月10日17:30";
  now.source = {"关于调整省第二批概念验证中心申报截止时间的通知", "江苏省科学技术厅", "2024-11-26",
                "https://kxjst.jiangsu.gov.cn/notice/2024-11-26"};
  c.current = now;
  c.overdue_lead = "14d";
  return c;
}

// 应急通信装备创新“揭榜挂帅”: withdrawn by a notice.
inline ToldChange cancelled_change() {
  ToldChange c;
  c.window_id = kCancelledWindow;
  c.kinds = {ChangeKind::cancelled};
  c.previous = handbook_revision_window(kCancelledWindow);
  RevisionWindow now = *c.previous;
  now.status = WindowStatus::cancelled;
  now.phrase = "因故取消本次申报";
  now.source = {"关于取消应急通信装备创新“揭榜挂帅”申报的通知", "工业和信息化部", "2024-11-25", ""};
  c.current = now;
  return c;
}

// 中小企业“揭榜”: a window the previous revision did not have.
inline ToldChange added_change() {
  ToldChange c;
  c.window_id = kAddedWindow;
  c.kinds = {ChangeKind::added};
  c.current = handbook_revision_window(kAddedWindow);
  c.current->source = {"关于组织开展中小企业“揭榜”工作的通知", "工业和信息化部中小企业局", "2024-11-20",
                       "https://www.miit.gov.cn/notice/2024-11-20"};
  return c;
}

// The fixture pair's changes as a release tells them: the notice-worthy kinds of each window
// (opens-changed and phrase-changed alone tell nothing), by window id.
inline std::vector<ToldChange> fixture_pair_changes() {
  const auto revision_of = [](const char* file) {
    LoadOutcome outcome = load_calendar_files({fixture(std::string("diff/") + file)});
    REQUIRE(outcome.calendar);
    return revision_windows(*outcome.calendar);
  };
  std::vector<ToldChange> told;
  for (const WindowChange& change : diff_revisions(revision_of("before.toml"), revision_of("after.toml"))) {
    if (!is_notice_worthy(change)) continue;
    ToldChange c;
    c.window_id = change.window_id;
    for (const ChangeKind kind : change.kinds) {
      if (is_notice_worthy(kind)) c.kinds.push_back(kind);
    }
    c.previous = change.before;
    c.current = change.after;
    told.push_back(std::move(c));
  }
  return told;
}

inline ToldChange fixture_pair_change(std::string_view window_id) {
  for (ToldChange& c : fixture_pair_changes()) {
    if (c.window_id == window_id) return c;
  }
  FAIL("no change of " << std::string(window_id) << " in the fixture pair");
  return {};
}

}  // namespace deadline::test
