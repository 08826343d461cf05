// A programme's own page: what the handbook says about it, and all its windows.

#include "web/programme_page.h"

#include <doctest/doctest.h>

#include "test_support.h"
#include "time/iso8601.h"
#include "web/page.h"

using namespace deadline;

namespace {

using test::handbook;

std::string page_of(const char* id, const char* now) {
  const Programme* p = handbook().find_programme(id);
  REQUIRE(p);
  return web::programme_page(handbook(), *p, *parse_iso8601(now));
}

bool has(std::string_view html, std::string_view text) { return html.find(text) != std::string_view::npos; }

// The windows list's item whose phrase contains `phrase`, from its <li> to its </li>.
std::string_view item_with(std::string_view html, std::string_view phrase, std::size_t from = 0) {
  const std::size_t at = html.find(phrase, from);
  REQUIRE(at != std::string_view::npos);
  const std::size_t begin = html.rfind("<li", at);
  const std::size_t end = html.find("</li>", at);
  REQUIRE(begin != std::string_view::npos);
  REQUIRE(end != std::string_view::npos);
  return html.substr(begin, end - begin);
}

}  // namespace

TEST_CASE("web programme page: everything the handbook says about the programme") {
  const std::string html = page_of("first-batch-new-materials-insurance", "2024-11-01T09:00+08:00");
  CHECK(has(html, "<title>首批次新材料保险补偿资格</title>"));
  CHECK(has(html, "<dt>联系单位</dt>\n<dd>工业和信息化部</dd>"));
  CHECK(has(html, "<dt>主管部门</dt>\n<dd>工业和信息化部(原材料工业司)</dd>"));
  CHECK(has(html, "<dt>所属部门</dt>\n<dd>工业和信息化部门</dd>"));
  CHECK(has(html, "<dt>类别</dt>\n<dd>资金引导</dd>"));
  CHECK(has(html, "<a href=\"tel:010-68205566\">010-68205566</a><br>"));  // printed with its area code
  CHECK(has(html, "<a href=\"tel:010-68205766\">010-68205766</a>（区号为推定）"));
  CHECK(has(html, "资格申报企业应为生产制造《重点新材料首批次应用示范指导目录（2024年版）》所列产品"));
  CHECK(has(html, "<a href=\"https://policy.smejs.cn/frontend/policy-service/77a36ab4759a410493de65bbb8f8a796\""));
  CHECK(has(html, "<dd>《江苏省中小企业惠企政策一本通（2024年四季度）》第 8 页，申报要点第 2 项</dd>"));
  CHECK(has(html, "<dt>每年申报</dt>\n<dd>是。手册注明“具体申报时间以当年通知为准”，按年度通知组织申报</dd>"));
  CHECK(has(html, "<a href=\"/?programme=first-batch-new-materials-insurance#subscribe\">订阅此项目的提醒</a>"));
}

TEST_CASE("web programme page: past windows are marked closed and estimates are told apart") {
  const std::string html = page_of("jiangsu-specialised-sme-2024-batch2", "2024-11-01T09:00+08:00");
  const std::string_view closed = item_with(html, "<q>10月18日24:00时系统关闭企业填报提交功能</q>");
  CHECK(has(closed, "<span class=\"badge confirmed\">已确认</span><span class=\"badge closed\">已截止</span>"));
  CHECK(has(closed, "截止：2024年10月18日 24:00"));
  CHECK(has(closed, "办理方：企业"));
  CHECK_FALSE(has(closed, "还剩"));

  const std::string_view next_year = item_with(html, "预计2025年10月");
  CHECK(has(next_year, "<span class=\"badge estimated\">预计</span>"));
  CHECK_FALSE(has(next_year, "已截止"));
  CHECK_FALSE(has(next_year, "已确认"));
  CHECK(has(next_year, "开始：预计2025年9月"));
  CHECK(has(next_year, "<q>申报时间：9-10月</q>"));
  CHECK(has(next_year, "按2024年的申报时间推算"));
  CHECK(has(next_year, "还剩约 364 天"));
  // No area code printed for one number: it is marked.
  CHECK(has(html, "025-69652751</a>（区号为推定）"));
  CHECK_FALSE(has(html, "025-69652765</a>（区号为推定）"));
}

TEST_CASE("web programme page: a month estimate reads as one period") {
  const std::string html = page_of("first-set-equipment-insurance", "2024-10-11T09:00+08:00");
  const std::string_view item = item_with(html, "申报时间：预计2024年11月");
  CHECK(has(item, "预计"));
  CHECK_FALSE(has(item, "开始："));
  CHECK(has(item, "还剩约 50 天"));
}

TEST_CASE("web programme page: every programme of the handbook renders with all its windows") {
  const Instant now = *parse_iso8601("2024-10-11T09:00+08:00");
  for (const Programme& p : handbook().programmes()) {
    CAPTURE(p.id);
    const std::string html = web::programme_page(handbook(), p, now);
    CHECK(has(html, "<h1>" + web::escape(p.title) + "</h1>"));
    CHECK(has(html, "订阅此项目的提醒"));
    const std::vector<const Window*> windows = handbook().windows_of(p.id);
    CHECK_FALSE(windows.empty());
    std::size_t items = 0;
    for (std::size_t at = html.find("<li"); at != std::string::npos; at = html.find("<li", at + 1)) ++items;
    CHECK(items == windows.size());
    for (const Window* w : windows) CHECK(has(html, "<q>" + web::escape(w->phrase) + "</q>"));
  }
}
