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

using test::has;

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

// The 变更记录 entry of a window a released revision removed at `recorded`: what it was.
std::vector<web::ChangeEntry> removal_of(const std::string& id, const std::string& title, const char* closes,
                                         const char* precision, const char* closes_at, const char* phrase,
                                         const char* recorded) {
  RevisionWindow gone;
  gone.id = id;
  gone.title = title;
  gone.status = WindowStatus::confirmed;
  gone.closes = closes;
  gone.precision = precision;
  gone.closes_at = *parse_iso8601(closes_at);
  gone.closes_from = gone.closes_at;
  gone.phrase = phrase;
  gone.facts.programme_id = id.substr(0, id.find('/'));
  return {{*parse_iso8601(recorded), WindowChange{id, {ChangeKind::removed}, gone, std::nullopt, false}}};
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
  CHECK(has(html, "资格申报企业应为生产制造《重点新材料首批次应用示范指导目录(2024年版)》所列产品"));  // as printed
  CHECK(has(html, "<a href=\"https://policy.smejs.cn/frontend/policy-service/77a36ab4759a410493de65bbb8f8a796\""));
  CHECK(has(html, "<dd>《江苏省中小企业惠企政策一本通（2024年四季度）》第 8 页，申报要点第 2 项</dd>"));
  CHECK(has(html, "<dt>每年申报</dt>\n<dd>是。公开事实：工业和信息化部逐年组织资格审定"));
  // The submission system as printed; the hyphen departs from the notices' xclcygx.miit.gov.cn: 原文如此, unlinked.
  CHECK(has(html, "<dt>网上申报系统</dt>\n<dd>https://xclcygx-miit.gov.cn（原文如此）</dd>"));
  CHECK_FALSE(has(html, "href=\"https://xclcygx"));
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

TEST_CASE("web programme page: a month estimate's close has the label every close has") {
  // One wording (issue 21): "截止：" whatever the precision, never "申报时间：" beside it.
  const std::string html = page_of("first-set-equipment-insurance", "2024-10-11T09:00+08:00");
  const std::string_view item = item_with(html, "截止：预计2024年11月");
  CHECK(has(item, "预计"));
  CHECK_FALSE(has(html, "<p><span class=\"badge estimated\">预计</span>申报时间："));
  CHECK(has(item, "还剩约 50 天"));
}

TEST_CASE("web programme page: the next deadline and how to apply come first, the eligibility text after") {
  const std::string html = page_of("first-set-equipment-insurance", "2024-10-11T09:00+08:00");
  const std::size_t next = html.find("<h2 id=\"next-heading\">下一个截止</h2>");
  const std::size_t apply = html.find("<h2 id=\"apply-heading\">如何申报</h2>");
  const std::size_t eligibility = html.find("<dt>申报条件</dt>");
  REQUIRE(next != std::string::npos);
  REQUIRE(apply != std::string::npos);
  REQUIRE(eligibility != std::string::npos);
  CHECK(next < apply);
  CHECK(apply < eligibility);
  CHECK(html.find("联系单位", apply) < eligibility);
  CHECK(html.find("订阅此项目的提醒", apply) < eligibility);
  // The next deadline is the window itself, before anything else of the page.
  CHECK(html.find("截止：预计2024年11月", next) < apply);
  // All closed: said so, and the windows still listed below.
  const std::string later = page_of("first-set-equipment-insurance", "2099-01-01T09:00+08:00");
  CHECK(has(later, "目前没有尚未截止的申报批次"));
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
    // 申报时间 lists every window (下一个截止 above repeats the soonest open one).
    const std::size_t section = html.find("id=\"windows-heading\"");
    REQUIRE(section != std::string::npos);
    const std::string_view listed = std::string_view(html).substr(section, html.find("</section>", section) - section);
    std::size_t items = 0;
    for (std::size_t at = listed.find("<li"); at != std::string::npos; at = listed.find("<li", at + 1)) ++items;
    CHECK(items == windows.size());
    for (const Window* w : windows) CHECK(has(html, "<q>" + web::escape(w->phrase) + "</q>"));
  }
}

TEST_CASE("web programme page: printed addresses - linked, mailto, postal, and misprints 原文如此 without a link") {
  const std::string sme = page_of("jiangsu-specialised-sme-2024-batch2", "2024-10-01T09:00+08:00");
  CHECK(has(sme, "<dt>网上申报系统</dt>\n<dd>江苏政务服务网 - 江苏省工业和信息化厅旗舰店 "
                 "https://www.jszfw.gov.cn/col/col140127/index.html（原文如此）</dd>"));
  CHECK_FALSE(has(sme, "href=\"https://www.jszfw"));
  const std::string green = page_of("jiangsu-green-building-fund-reserve", "2024-12-01T09:00+08:00");
  CHECK(has(green, "<dd>江苏省政务服务网 https://www.jszfwf.gov.cn/（原文如此）</dd>"));
  CHECK(has(green, "<dt>邮寄地址</dt>\n<dd>省住房和城乡建设厅(南京市草场门大街88号2310室),邮编:210036</dd>"));
  const std::string survey = page_of("jiangsu-frontier-tech-guideline-survey-2025", "2024-11-01T09:00+08:00");
  CHECK(has(survey, "<dt>网上申报系统</dt>\n<dd>江苏省科技计划管理信息平台 <a href=\"https://kjyh.kxjst.jiangsu.gov.cn/\" "
                    "rel=\"noopener noreferrer\">https://kjyh.kxjst.jiangsu.gov.cn/</a></dd>"));
  CHECK(has(survey, "<dt>电子邮箱</dt>\n<dd><a href=\"mailto:jskjtgxc@163.com\" rel=\"noopener noreferrer\">jskjtgxc@163.com</a></dd>"));
  const std::string testing = page_of("first-set-equipment-testing-bodies", "2024-12-01T09:00+08:00");
  CHECK(has(testing, "<dt>表格下载</dt>\n<dd>市场监管总局网站 <a href=\"http://www.samr.gov.cn/zlfzj/\""));
}

TEST_CASE("web programme page: a window a revision removed shows as withdrawn until its old close") {
  const Programme* p = handbook().find_programme("jiangsu-proof-of-concept-centres-batch2");
  REQUIRE(p);
  // A window of this programme the handbook does not have (as if a revision had removed it).
  const std::vector<web::ChangeEntry> removed =
      removal_of(p->id + "/extra/2024", p->title, "2024-12-28T17:00", "instant", "2024-12-28T17:00+08:00",
                 "补充批次截止时间为2024年12月28日17:00", "2024-11-26T10:00+08:00");
  const std::string& gone_id = removed[0].change.window_id;
  const std::string before_close =
      web::programme_page(handbook(), *p, *parse_iso8601("2024-11-27T09:00+08:00"), "", removed);
  const std::string_view item = item_with(before_close, "补充批次截止时间");
  CHECK(has(item, "class=\"withdrawn\""));
  CHECK(has(item, "【已撤回】"));
  CHECK(has(item, "12月28日"));
  // After its old close it is no longer listed (the 变更记录 still tells of it).
  const std::string after_close =
      web::programme_page(handbook(), *p, *parse_iso8601("2024-12-29T09:00+08:00"), "", removed);
  CHECK_FALSE(has(after_close, "class=\"withdrawn\""));
  // A later revision that brings it back: only the latest change counts, nothing withdrawn shows.
  std::vector<web::ChangeEntry> back = removed;
  back.insert(back.begin(), {*parse_iso8601("2024-11-27T08:00+08:00"),
                             WindowChange{gone_id, {ChangeKind::added}, std::nullopt, removed[0].change.before, false}});
  CHECK_FALSE(has(web::programme_page(handbook(), *p, *parse_iso8601("2024-11-27T09:00+08:00"), "", back),
                  "class=\"withdrawn\""));
}

TEST_CASE("web programme page: a programme a revision removed still explains itself") {
  const std::vector<web::ChangeEntry> removed = removal_of("p-gone/apply/2024", "已移除项目", "2024-12-01", "day",
                                                          "2024-12-01T00:00+08:00", "2024年11月30日前提交",
                                                          "2024-11-20T10:00+08:00");
  const std::string html = web::removed_programme_page(removed, *parse_iso8601("2024-11-21T09:00+08:00"));
  CHECK(has(html, "<title>已移除项目"));
  CHECK(has(html, "该项目已不在申报日历中"));
  CHECK(has(item_with(html, "2024年11月30日前提交"), "【已撤回】"));
  CHECK(has(html, "变更记录"));
  // After the old close only the record remains.
  CHECK_FALSE(has(web::removed_programme_page(removed, *parse_iso8601("2024-12-02T09:00+08:00")), "class=\"withdrawn\""));
}
