// The bundled calendar against the handbook itself (Jiangsu 2024 Q4): every explicit deadline,
// right to the minute, and the facts the issue asks the data to carry.

#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "calendar/loader.h"
#include "calendar/upcoming.h"
#include "test_support.h"
#include "time/iso8601.h"

using namespace deadline;

namespace {

const Calendar& handbook() {
  static const Calendar calendar = [] {
    LoadOutcome outcome = load_calendar_dir(deadline::test::bundled_calendars());
    REQUIRE_MESSAGE(outcome.errors.empty(), outcome.errors.front());
    return std::move(*outcome.calendar);
  }();
  return calendar;
}

const Programme& programme_number(int number) {
  const auto& all = handbook().programmes();
  const auto it = std::find_if(all.begin(), all.end(), [&](const Programme& p) { return p.number == number; });
  REQUIRE(it != all.end());
  return *it;
}

std::vector<const Window*> confirmed_2024(int number) {
  std::vector<const Window*> result;
  for (const Window* w : handbook().windows_of(programme_number(number).id)) {
    if (w->status == WindowStatus::confirmed) result.push_back(w);
  }
  return result;
}

}  // namespace

TEST_CASE("every explicit deadline in the handbook - to the minute") {
  struct Row { int number; const char* phrase_part; const char* actor; Role role; const char* closes_utc; const char* year_from; };
  const Row rows[] = {
      {3, "10月18日24:00时系统关闭", "企业", Role::enterprise, "2024-10-18T16:00:00Z", "title"},
      {4, "于2024年10月30日前", "地方主管部门", Role::recommender, "2024-10-29T16:00:00Z", ""},
      {5, "推荐单位应于2024年11月29日前完成线上审核", "推荐单位", Role::recommender, "2024-11-28T16:00:00Z", ""},
      {6, "于2024年11月22日（周五）前", "推荐单位", Role::recommender, "2024-11-21T16:00:00Z", ""},
      {10, "申报截止时间为2024年12月20日", "申报单位", Role::enterprise, "2024-12-20T16:00:00Z", ""},
      {11, "于12月15日前报送", "中小企业", Role::enterprise, "2024-12-14T16:00:00Z", "edition"},
      {15, "于11月29日前报送至省科技厅高新处", "主管部门", Role::recommender, "2024-11-28T16:00:00Z", "edition"},
      {16, "网上填报截止时间为2024年12月30日17:30", "申报单位", Role::enterprise, "2024-12-30T09:30:00Z", ""},
      {16, "网上审核推荐截止时间为2024年12月31日17:30", "项目主管部门", Role::recommender, "2024-12-31T09:30:00Z", ""},
      {20, "应于2025年2月10日前", "申报单位", Role::enterprise, "2025-02-09T16:00:00Z", ""},
  };
  std::size_t matched = 0;
  for (const Row& row : rows) {
    CAPTURE(row.number);
    CAPTURE(row.phrase_part);
    const auto windows = confirmed_2024(row.number);
    const auto it = std::find_if(windows.begin(), windows.end(), [&](const Window* w) {
      return w->phrase.find(row.phrase_part) != std::string::npos;
    });
    REQUIRE(it != windows.end());
    const Window& w = **it;
    CHECK(w.actor == row.actor);
    CHECK(w.role == row.role);
    CHECK(format_utc(w.closes.at) == row.closes_utc);
    CHECK(w.year_from == row.year_from);
    CHECK(w.cycle == 2024);
    CHECK_FALSE(w.opens.has_value());  // the text gives no opening for these
    ++matched;
  }
  CHECK(matched == 10);
  // Nothing else is confirmed: no invented deadline anywhere.
  std::size_t confirmed = 0;
  for (const Window& w : handbook().windows()) confirmed += w.status == WindowStatus::confirmed;
  CHECK(confirmed == 10);
}

TEST_CASE("every step that reviews or recommends onward has role 推荐单位 - whoever performs it") {
  // docs/calendar-format.md, Roles: filtering on 推荐单位 finds every recommendation step.
  std::vector<std::string> recommender_steps;
  for (const Programme& p : handbook().programmes()) {
    for (const Window& w : p.written_windows) {
      if (w.role == Role::recommender) recommender_steps.push_back(std::to_string(p.number) + " " + w.key + " " + w.actor);
      // An applicant's own step is 企业; nothing in this handbook is an authority acting on its own.
      if (w.key == "apply") CHECK(w.role == Role::enterprise);
      CHECK(w.role != Role::authority);
    }
  }
  CHECK(recommender_steps == std::vector<std::string>{"4 recommend 地方主管部门", "5 recommend 推荐单位", "6 recommend 推荐单位",
                                                      "15 authority-submit 主管部门", "16 review 项目主管部门"});
}

TEST_CASE("undated phrases produce no deadline") {
  // 8: "推荐单位应于按推荐项目优先顺序…" prints no date. 12: "1964年1月1日以后出生" is eligibility.
  CHECK(confirmed_2024(8).empty());
  CHECK(confirmed_2024(12).empty());
}

TEST_CASE("20 programmes and 4 policies - with phones and links as printed") {
  CHECK(handbook().programmes().size() == 20);
  CHECK(handbook().policies().size() == 4);
  std::set<int> numbers;
  for (const Programme& p : handbook().programmes()) {
    CAPTURE(p.id);
    numbers.insert(p.number);
    CHECK(p.link.rfind("https://policy.smejs.cn/frontend/policy-service/", 0) == 0);
    CHECK_FALSE(p.phones.empty());
    CHECK_FALSE(p.recurs_reason.empty());
  }
  CHECK(numbers.size() == 20);
  // "010-68205566、68205766": the second number's area code is completed and marked.
  const Programme& materials = programme_number(2);
  REQUIRE(materials.phones.size() == 2);
  CHECK(materials.phones[1].number == "010-68205766");
  CHECK(materials.phones[1].area_code_inferred);
  CHECK(programme_number(3).phones[1].number == "025-69652751");
  CHECK(programme_number(8).phones[1].number == "010-82262927");
  std::size_t inferred = 0;
  for (const Programme& p : handbook().programmes()) {
    for (const Phone& phone : p.phones) inferred += phone.area_code_inferred;
  }
  CHECK(inferred == 3);
}

TEST_CASE("recurs rests on the text or a named public fact - not on 以当年通知为准") {
  // docs/calendar-format.md, Recurrence: the decision and its reason for all 20.
  const std::set<int> recurring = {1, 2, 3, 5, 8, 9, 12, 13, 15, 19};
  std::size_t from_text = 0;
  std::size_t from_public_fact = 0;
  for (const Programme& p : handbook().programmes()) {
    CAPTURE(p.number);
    CHECK(p.recurs == (recurring.count(p.number) == 1));
    // "具体申报时间以当年通知为准" says the time varies: it is never the reason.
    if (p.recurs) {
      CHECK(p.recurs_reason.find("具体申报时间以当年通知为准") == std::string::npos);
      const bool text = p.recurs_reason.rfind("手册：", 0) == 0;
      const bool fact = p.recurs_reason.rfind("公开事实：", 0) == 0;
      CHECK((text || fact));
      from_text += text;
      from_public_fact += fact;
    }
  }
  CHECK(from_text == 8);
  CHECK(from_public_fact == 2);
  // P10: a task list with an 18-month 实施期; P16: a numbered batch. Neither is a yearly round.
  CHECK(programme_number(10).recurs_reason.find("任务实施期为18个月") != std::string::npos);
  CHECK(programme_number(16).recurs_reason.find("第二批") != std::string::npos);
  // A programme that does not recur shows what the handbook prints, and nothing projected.
  for (const Window& w : handbook().windows()) {
    if (!w.projected_from) continue;
    CAPTURE(w.id());
    CHECK(handbook().find_programme(w.programme_id)->recurs);
  }
}

TEST_CASE("policies keep the period at the precision the text gives") {
  const Policy* fund = handbook().find_policy("manufacturing-province-special-fund");
  REQUIRE(fund);
  CHECK(fund->in_force_from->spec.text() == "2024-12-01");
  CHECK(fund->in_force_until->spec.precision == Precision::year);
  CHECK(format_utc(fund->in_force_until->at) == "2028-12-31T16:00:00Z");
}

TEST_CASE("a confirmed deadline replaces the 申报时间 estimate of its round - not later rounds") {
  const auto ids = [](int number) {
    std::vector<std::string> result;
    for (const Window* w : handbook().windows_of(programme_number(number).id)) {
      if (w->key == "apply") result.push_back(std::to_string(w->cycle) + " " + std::string(to_string(w->status)));
    }
    std::sort(result.begin(), result.end());
    return result;
  };
  // 3: 申报时间 9-10月 (estimate) and 10月18日24:00 (confirmed); it recurs (“2024年第二批”).
  CHECK(ids(3) == std::vector<std::string>{"2024 confirmed", "2025 estimated", "2026 estimated", "2027 estimated"});
  // 10: 申报时间 11-12月 and 申报截止时间为2024年12月20日; a one-off task list: nothing after 2024.
  CHECK(ids(10) == std::vector<std::string>{"2024 confirmed"});
  // 17 has no dated deadline: its estimate stays; it does not recur.
  CHECK(ids(17) == std::vector<std::string>{"2024 estimated"});
}

TEST_CASE("2024年12月-2025年2月 stays one window across the year end - and is not projected") {
  const Programme& green = programme_number(17);
  const auto windows = handbook().windows_of(green.id);
  REQUIRE(windows.size() == 1);
  CHECK(windows.front()->cycle == 2024);
  CHECK(format_local_iso(windows.front()->opens->at, *windows.front()->zone) == "2024-12-01T00:00:00+08:00");
  CHECK(format_local_iso(windows.front()->closes.at, *windows.front()->zone) == "2025-03-01T00:00:00+08:00");
  CHECK(windows.front()->estimated());
}

TEST_CASE("upcoming at 2026-11-27 for 45 days: the November and December estimates - soonest first") {
  const auto windows = upcoming_windows(handbook(), {*parse_iso8601("2026-11-27T00:00+08:00"), date::days{45}});
  std::vector<std::string> titles;
  for (const Window* w : windows) {
    CHECK(w->estimated());
    CHECK(w->cycle == 2026);
    titles.push_back(handbook().find_programme(w->programme_id)->title);
  }
  CHECK(std::is_sorted(windows.begin(), windows.end(),
                       [](const Window* a, const Window* b) { return a->closes.at < b->closes.at; }));
  // Only programmes that recur are projected into 2026 (docs/calendar-format.md, Recurrence).
  std::sort(titles.begin(), titles.end());
  std::vector<std::string> expected = {
      "首台（套）重大技术装备保险补偿",  // 11月
      "智能工厂梯度培育",                // 10-11月
      "智能制造系统解决方案“揭榜挂帅”",  // 11月
      "工业机器人行业规范企业",          // 11月
      "2025年省前沿技术研发计划和省科技重大专项指南调研",  // 11月
      "首批次新材料保险补偿资格",        // 12月
      "国家重点研发计划“政府间国际科技创新合作”等重点专项",  // 12月
  };
  std::sort(expected.begin(), expected.end());
  CHECK(titles == expected);
  // 9-10月 (专精特新) and 10月 (博士后) closed before 27 November: not listed. 中小企业“揭榜”,
  // 应急通信, 检测评审机构 and 绿色建筑 do not recur: nothing projected for them.
  CHECK(std::find(titles.begin(), titles.end(), "博士后科研工作站") == titles.end());
  CHECK(std::find(titles.begin(), titles.end(), "中小企业“揭榜”") == titles.end());
  CHECK(windows.size() == 7);
}
