// Calendar revisions and the diff between them (domain/revision.h, schedule/revision_windows.h):
// every kind on a fixture pair, with the exact lines operators read, and the rules one by one.

#include "domain/revision.h"

#include <doctest/doctest.h>

#include "domain/revision_json.h"
#include "schedule/revision_windows.h"
#include "test_support.h"

using namespace deadline;

namespace {

std::vector<RevisionWindow> revision_of(const char* file) {
  LoadOutcome outcome = load_calendar_files({test::fixture(std::string("diff/") + file)});
  for (const std::string& e : outcome.errors) FAIL_CHECK(e);
  REQUIRE(outcome.calendar);
  return revision_windows(*outcome.calendar);
}

std::vector<std::string> lines_of(const std::vector<WindowChange>& changes) {
  std::vector<std::string> lines;
  for (const WindowChange& c : changes) lines.push_back(describe(c));
  return lines;
}

RevisionWindow window(const char* id, WindowStatus status, const char* closes, const char* closes_at) {
  RevisionWindow w;
  w.id = id;
  w.title = "测试项目";
  w.status = status;
  w.closes = closes;
  w.closes_at = test::at(closes_at);
  w.closes_from = w.closes_at;
  w.phrase = "原文";
  return w;
}

}  // namespace

TEST_CASE("the fixture pair: every kind of change, one line each, in window order") {
  const auto changes = diff_revisions(revision_of("before.toml"), revision_of("after.toml"));
  CHECK(lines_of(changes) == std::vector<std::string>{
      "p-add/apply/2024 【新增批次】 added: confirmed closing 2024-11-25T17:00 (source: 关于开展新增批次申报的通知, "
      "江苏省工业和信息化厅, 2024-11-20, https://gxt.jiangsu.gov.cn/notice/9)",
      "p-cancel/apply/2024 【撤回项目】 cancelled: was closing 2024-12-10T17:00; phrase-changed: "
      "「截止时间为2024年12月10日17:00」 → 「因故取消本次申报」 (source: 关于取消撤回项目申报的通知, 江苏省工业和信息化厅, "
      "2024-11-20, https://gxt.jiangsu.gov.cn/notice/4)",
      "p-confirm-late/apply/2024 【确认推迟项目】 moved later: closes 2024-11 → 2024-12-20T17:00; confirmed: estimate "
      "2024-11 → 2024-12-20T17:00; opens-changed: 2024-11 → —; phrase-changed: 「申报时间：11月」 → "
      "「截止时间为2024年12月20日17:00」 (source: 关于开展确认推迟项目申报的通知, 江苏省工业和信息化厅, 2024-11-02, "
      "https://gxt.jiangsu.gov.cn/notice/2)",
      "p-confirm/apply/2024 【确认项目】 confirmed: estimate 2024-11 → 2024-11-15T17:00; opens-changed: 2024-11 → —; "
      "phrase-changed: 「申报时间：11月」 → 「截止时间为2024年11月15日17:00」 (source: 关于开展确认项目申报的通知, "
      "江苏省工业和信息化厅, 2024-10-28, https://gxt.jiangsu.gov.cn/notice/1)",
      "p-move/apply/2024 【延期项目】 moved later: closes 2024-11-20T17:00 → 2024-11-27T17:00 (source: "
      "关于延长延期项目申报时间的通知, 江苏省工业和信息化厅, 2024-11-18, https://gxt.jiangsu.gov.cn/notice/3)",
      "p-opens/apply/2024 【开始时间项目】 opens-changed: 2024-11-01 → 2024-11-05; phrase-changed: "
      "「2024年11月1日至11月30日」 → 「2024年11月5日至11月30日」",
      "p-recurs/apply/2025 【年度项目】 estimate-dropped: the projected estimate closing 2025-10 is no longer made",
      "p-recurs/apply/2026 【年度项目】 estimate-dropped: the projected estimate closing 2026-10 is no longer made",
      "p-recurs/apply/2027 【年度项目】 estimate-dropped: the projected estimate closing 2027-10 is no longer made",
      "p-remove/apply/2024 【删除项目】 removed: was confirmed closing 2024-12-01",
  });
  // Nothing for the window that did not change, and nothing between a revision and itself.
  for (const WindowChange& c : changes) CHECK(c.window_id != "p-same/apply/2024");
  CHECK(diff_revisions(revision_of("after.toml"), revision_of("after.toml")).empty());
}

TEST_CASE("the diff as JSON: kinds, direction, both sides and the line") {
  const auto changes = diff_revisions(revision_of("before.toml"), revision_of("after.toml"));
  const nlohmann::json json = diff_json(changes);
  CHECK(json["identical"] == false);
  REQUIRE(json["changes"].size() == changes.size());
  const nlohmann::json& moved = json["changes"][4];
  CHECK(moved["window"] == "p-move/apply/2024");
  CHECK(moved["kinds"] == nlohmann::json::array({"moved"}));
  CHECK(moved["moved"] == "later");
  CHECK(moved["before"]["closes"] == "2024-11-20T17:00");
  CHECK(moved["after"]["closes_at"] == "2024-11-27T09:00:00Z");
  CHECK(moved["after"]["source"]["date"] == "2024-11-18");
  CHECK(moved["text"] == describe(changes[4]));
  CHECK(json["changes"][0]["before"].is_null());    // added
  CHECK(json["changes"][9]["after"].is_null());     // removed
  CHECK(json["changes"][0]["moved"].is_null());
  CHECK(diff_json({}) == nlohmann::json{{"identical", true}, {"changes", nlohmann::json::array()}});
}

TEST_CASE("a confirmation inside the estimate's period is not a move, outside it, earlier or later, it is") {
  RevisionWindow estimate = window("p/apply/2024", WindowStatus::estimated, "2024-11", "2024-12-01T00:00+08:00");
  estimate.closes_from = test::at("2024-11-01T00:00+08:00");
  const auto confirmed_at = [&](const char* closes, const char* at) {
    const auto changes = diff_revisions({estimate}, {window("p/apply/2024", WindowStatus::confirmed, closes, at)});
    REQUIRE(changes.size() == 1);
    return changes[0];
  };
  const WindowChange inside = confirmed_at("2024-11-15T17:00", "2024-11-15T17:00+08:00");
  CHECK(inside.kinds == std::vector<ChangeKind>{ChangeKind::confirmed});
  const WindowChange first_day = confirmed_at("2024-11-01", "2024-11-02T00:00+08:00");
  CHECK(first_day.kinds == std::vector<ChangeKind>{ChangeKind::confirmed});
  const WindowChange earlier = confirmed_at("2024-10-31", "2024-11-01T00:00+08:00");
  CHECK(earlier.kinds == std::vector<ChangeKind>{ChangeKind::moved, ChangeKind::confirmed});
  CHECK_FALSE(earlier.moved_later);
  CHECK(describe(earlier) == "p/apply/2024 【测试项目】 moved earlier: closes 2024-11 → 2024-10-31; confirmed: estimate "
                             "2024-11 → 2024-10-31");
  const WindowChange later = confirmed_at("2024-12-01T09:00", "2024-12-01T09:00+08:00");
  CHECK(later.kinds == std::vector<ChangeKind>{ChangeKind::moved, ChangeKind::confirmed});
  CHECK(later.moved_later);
}

TEST_CASE("withdrawn, reinstated, removed and dropped are told apart") {
  const RevisionWindow open = window("p/apply/2024", WindowStatus::confirmed, "2024-12-10T17:00", "2024-12-10T17:00+08:00");
  RevisionWindow withdrawn = open;
  withdrawn.status = WindowStatus::cancelled;
  CHECK(diff_revisions({open}, {withdrawn}).at(0).kinds == std::vector<ChangeKind>{ChangeKind::cancelled});
  const WindowChange back = diff_revisions({withdrawn}, {open}).at(0);
  CHECK(back.kinds == std::vector<ChangeKind>{ChangeKind::added});
  CHECK(describe(back) == "p/apply/2024 【测试项目】 added: confirmed closing 2024-12-10T17:00 (was cancelled)");
  // A cancelled window's close may be corrected without telling anyone it moved.
  RevisionWindow withdrawn_later = withdrawn;
  withdrawn_later.closes_at = test::at("2024-12-11T17:00+08:00");
  CHECK(diff_revisions({withdrawn}, {withdrawn_later}).empty());
  CHECK(diff_revisions({open}, {}).at(0).kinds == std::vector<ChangeKind>{ChangeKind::removed});
  RevisionWindow projected = window("p/apply/2025", WindowStatus::estimated, "2025-11", "2025-12-01T00:00+08:00");
  projected.projected = true;
  CHECK(diff_revisions({projected}, {}).at(0).kinds == std::vector<ChangeKind>{ChangeKind::estimate_dropped});
  projected.projected = false;  // written in the file, then deleted: removed
  CHECK(diff_revisions({projected}, {}).at(0).kinds == std::vector<ChangeKind>{ChangeKind::removed});
}

TEST_CASE("facts and sources alone are not changes people are told of") {
  const RevisionWindow w = window("p/apply/2024", WindowStatus::confirmed, "2024-12-10T17:00", "2024-12-10T17:00+08:00");
  RevisionWindow other = w;
  other.facts.group = "科学技术部门";
  other.source = {"通知", "厅", "2024-11-01", ""};
  other.cap = "推荐单位须于…";
  CHECK(diff_revisions({w}, {other}).empty());
  CHECK_FALSE(w == other);  // but the revisions differ: the store keeps both
}
