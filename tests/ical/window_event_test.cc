#include "ical/window_event.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "calendar/bound.h"
#include "test_support.h"
#include "time/iso8601.h"
#include "time/zone.h"

using namespace deadline;
using namespace deadline::ical;

namespace {

using test::handbook;

constexpr std::string_view kHost = "deadlines.example.org";

using test::at;

// The bundled windows closing at `close` with the given precision (found by what they are, not
// by ids that an edit of the data could change).
std::vector<const Window*> windows_closing(const char* close, Precision precision) {
  std::vector<const Window*> found;
  for (const Window& window : handbook().windows()) {
    if (window.closes.at == at(close) && window.closes.spec.precision == precision) found.push_back(&window);
  }
  REQUIRE_FALSE(found.empty());
  return found;
}

const Programme& programme_of(const Window& window) {
  const Programme* programme = handbook().find_programme(window.programme_id);
  REQUIRE(programme);
  return *programme;
}

std::string event_text(const Window& window) {
  return write_event(window_event(programme_of(window), window, kHost, shanghai_zone()), shanghai_zone());
}

bool has_line(const std::string& text, const std::string& line) {
  return text.starts_with(line + "\r\n") || text.find("\r\n" + line + "\r\n") != std::string::npos;
}

}  // namespace

TEST_CASE("window_event: a close at 24:00 is the last hour of that day, not the next") {
  const std::vector<const Window*> found = windows_closing("2024-10-18T16:00:00Z", Precision::instant);
  REQUIRE(found.size() == 1);
  const Window& window = *found.front();
  const Programme& programme = programme_of(window);
  REQUIRE(programme.title.find("专精特新") != std::string::npos);
  REQUIRE(window.closes.spec.text() == "2024-10-18T24:00");

  const IcalEvent event = window_event(programme, window, kHost, shanghai_zone());
  CHECK(event.uid == programme.id + "-2024-apply@deadlines.example.org");
  CHECK(event.sequence == 0);
  CHECK(event.last_modified == Instant{});
  CHECK_FALSE(event.tentative);
  CHECK(event.summary == "截止：省级专精特新中小企业（2024年第二批）（企业）");
  CHECK(event.url == programme.link);
  CHECK(event.categories == std::vector<std::string>{"工业和信息化部门", "认定培育"});
  const std::string expected_description =
      "原文：10月18日24:00时系统关闭企业填报提交功能\n"
      "截止：2024年10月18日 24:00\n"
      "办理：企业\n"
      "申报条件：" + programme.eligibility + "\n"
      "联系：省工业和信息化厅 025-69652765、025-69652751（区号为推定）\n"
      "链接：https://policy.smejs.cn/frontend/policy-service/e917f752623e40ada330507b067662d8";
  CHECK(event.description == expected_description);

  const std::string text = event_text(window);
  CHECK(has_line(text, "DTSTART;TZID=Asia/Shanghai:20241018T230000"));
  CHECK(has_line(text, "DTEND;TZID=Asia/Shanghai:20241019T000000"));
  CHECK(has_line(text, "STATUS:CONFIRMED"));
  CHECK(has_line(text, "CATEGORIES:工业和信息化部门,认定培育"));
}

TEST_CASE("window_event: a day close is an all-day event on the closing day") {
  // "2024-12-20": the whole 20th.
  for (const Window* window : windows_closing("2024-12-20T16:00:00Z", Precision::day)) {
    CAPTURE(window->id());
    REQUIRE_FALSE(window->closes.spec.before);
    const std::string text = event_text(*window);
    CHECK(has_line(text, "DTSTART;VALUE=DATE:20241220"));
    CHECK(has_line(text, "DTEND;VALUE=DATE:20241221"));
    CHECK(has_line(text, "STATUS:CONFIRMED"));
  }
  // "before 2024-10-30": closes at the 30th's start, so the last day is the 29th.
  for (const Window* window : windows_closing("2024-10-29T16:00:00Z", Precision::day)) {
    CAPTURE(window->id());
    REQUIRE(window->closes.spec.before);
    const IcalEvent event = window_event(programme_of(*window), *window, kHost, shanghai_zone());
    const auto* all_day = std::get_if<IcalEvent::AllDay>(&event.when);
    REQUIRE(all_day);
    CHECK(all_day->first == date::year{2024} / 10 / 29);
    CHECK(all_day->end_exclusive == date::year{2024} / 10 / 30);
    // P4's applicant estimate (10月) is capped at its recommenders' close (the chain rule).
    CHECK(event.description.find(std::string("\n截止：") + (window->estimated() ? "预计" : "") + "2024年10月30日前\n") !=
          std::string::npos);
    if (window->cap) CHECK(event.description.find("\n为何提前：" + window->cap->reason + "\n") != std::string::npos);
    if (!programme_of(*window).authority.empty()) {
      CHECK(event.description.find("\n主管部门：" + programme_of(*window).authority + "\n") != std::string::npos);
    }
  }
}

TEST_CASE("window_event: a month estimate covers its month, tentative, marked 预计") {
  const std::vector<const Window*> found = windows_closing("2024-11-30T16:00:00Z", Precision::month);
  std::size_t estimates = 0;
  for (const Window* window : found) {
    if (!window->estimated()) continue;
    ++estimates;
    CAPTURE(window->id());
    const Programme& programme = programme_of(*window);
    const IcalEvent event = window_event(programme, *window, kHost, shanghai_zone());
    CHECK(event.tentative);
    CHECK(event.summary == "【预计】截止：" + programme.title + (window->actor.empty() ? "" : "（" + window->actor + "）"));
    CHECK(event.description.find("\n截止：预计2024年11月\n") != std::string::npos);
    CHECK(event.description.find("\n此为按往年安排推算的预计时间，具体以当年通知为准\n") != std::string::npos);
    if (window->opens) CHECK(event.description.find("\n开始：预计") != std::string::npos);
    const std::string text = write_event(event, shanghai_zone());
    CHECK(has_line(text, "DTSTART;VALUE=DATE:20241101"));
    CHECK(has_line(text, "DTEND;VALUE=DATE:20241201"));
    CHECK(has_line(text, "STATUS:TENTATIVE"));
  }
  CHECK(estimates > 0);
}

TEST_CASE("window_event: a year close covers the year, empty facts are left out") {
  const Result<BoundSpec> spec = parse_bound("2025", BoundSide::closes);
  REQUIRE(spec);
  const Result<Instant> close = resolve_bound(*spec, BoundSide::closes, shanghai_zone());
  REQUIRE(close);
  Programme programme;
  programme.id = "p";
  programme.title = "某项目";
  programme.category = "资金引导";
  Window window;
  window.programme_id = "p";
  window.key = "apply";
  window.cycle = 2025;
  window.phrase = "全年受理";
  window.status = WindowStatus::confirmed;
  window.closes = Bound{*spec, *close};
  window.zone = &shanghai_zone();

  const IcalEvent event = window_event(programme, window, kHost, shanghai_zone());
  const auto* all_day = std::get_if<IcalEvent::AllDay>(&event.when);
  REQUIRE(all_day);
  CHECK(all_day->first == date::year{2025} / 1 / 1);
  CHECK(all_day->end_exclusive == date::year{2026} / 1 / 1);
  CHECK(event.summary == "截止：某项目");
  CHECK(event.description == "原文：全年受理\n截止：2025年");
  CHECK(event.url.empty());
  CHECK(event.categories == std::vector<std::string>{"资金引导"});
}

TEST_CASE("window_event: the UID is the window's identity, not its dates or status") {
  const Window& confirmed = *windows_closing("2024-10-18T16:00:00Z", Precision::instant).front();
  Window estimate = confirmed;  // the estimate the confirmed window replaced
  estimate.status = WindowStatus::estimated;
  estimate.closes = Bound{*parse_bound("2024-10", BoundSide::closes), at("2024-10-31T16:00:00Z")};
  CHECK(window_uid(estimate, kHost) == window_uid(confirmed, kHost));
  CHECK(window_uid(confirmed, kHost) == confirmed.programme_id + "-2024-apply@deadlines.example.org");
  Window next = confirmed;
  next.cycle = 2025;
  CHECK(window_uid(next, kHost) != window_uid(confirmed, kHost));
}
