// The home page: the deadlines coming up and the subscribe form, from the bundled handbook.

#include "web/home_page.h"

#include <doctest/doctest.h>

#include <regex>
#include <sstream>
#include <set>

#include "test_support.h"
#include "time/iso8601.h"
#include "web/page.h"

using namespace deadline;
using web::FormErrors;
using web::SubscribeForm;

namespace {

using test::handbook;

const Instant kOct11 = *parse_iso8601("2024-10-11T09:00+08:00");

std::string home(const SubscribeForm& values = {}, const FormErrors& errors = {}, Instant now = kOct11) {
  return web::home_page(handbook(), now, default_lead_menu(), values, errors);
}

using test::has;

// The text from the last `open` before `inside` to the first `close` after it.
std::string_view around(std::string_view html, std::string_view inside, std::string_view open, std::string_view close) {
  const std::size_t at = html.find(inside);
  REQUIRE(at != std::string_view::npos);
  const std::size_t begin = html.rfind(open, at);
  const std::size_t end = html.find(close, at);
  REQUIRE(begin != std::string_view::npos);
  REQUIRE(end != std::string_view::npos);
  return html.substr(begin, end + close.size() - begin);
}

// The upcoming list's item for a programme.
std::string_view item_of(std::string_view html, std::string_view programme_id) {
  return around(html, "href=\"/programmes/" + std::string(programme_id) + "\"", "<li", "</li>");
}

// The <input> tag of one checkbox.
std::string_view checkbox(std::string_view html, std::string_view name, std::string_view value) {
  return around(html, "name=\"" + std::string(name) + "\" value=\"" + std::string(value) + "\"", "<input", ">");
}

std::set<std::string> ids_of(const std::string& html) {
  static const std::regex id(R"re( id="([^"]*)")re");
  std::set<std::string> ids;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), id); it != std::sregex_iterator(); ++it) {
    CHECK_MESSAGE(ids.insert((*it)[1]).second, "id used twice: ", (*it)[1].str());
  }
  return ids;
}

}  // namespace

TEST_CASE("web home page: every programme of the handbook can be chosen by its title") {
  const std::string html = home();
  for (const Programme& p : handbook().programmes()) {
    CAPTURE(p.id);
    CHECK(has(checkbox(html, "programme", p.id), "type=\"checkbox\""));
    CHECK(has(html, ">" + web::escape(p.title) + "</label>"));
  }
  for (const char* group : {"工业和信息化部门", "科学技术部门", "其他部门"}) CHECK(has(checkbox(html, "group", group), "checkbox"));
  for (const char* category : {"资金引导", "认定培育"}) CHECK(has(checkbox(html, "category", category), "checkbox"));
}

TEST_CASE("web home page: confirmed and estimated deadlines are told apart") {
  const std::string html = home();
  const std::string_view confirmed = item_of(html, "jiangsu-specialised-sme-2024-batch2");
  CHECK(has(confirmed, "已确认"));
  CHECK_FALSE(has(confirmed, "预计"));
  CHECK(has(confirmed, "截止：2024年10月18日 24:00"));
  CHECK(has(confirmed, "<q>10月18日24:00时系统关闭企业填报提交功能</q>"));
  CHECK(has(confirmed, "还剩 7 天"));

  const std::string_view estimated = item_of(html, "first-set-equipment-insurance");
  CHECK(has(estimated, "<span class=\"badge estimated\">预计</span>"));
  CHECK_FALSE(has(estimated, "已确认"));
  CHECK(has(estimated, "预计2024年11月"));
  CHECK(has(estimated, "<q>申报时间：11月</q>"));
  CHECK(has(estimated, "还剩约 50 天"));
  CHECK(has(estimated, "<a href=\"/programmes/first-set-equipment-insurance\">首台（套）重大技术装备保险补偿</a>"));
}

TEST_CASE("web home page: the next 90 days soonest close first") {
  const std::string html = home();
  const std::size_t specialised = html.find("href=\"/programmes/jiangsu-specialised-sme-2024-batch2\"");
  const std::size_t medical = html.find("href=\"/programmes/high-end-medical-equipment-promotion\"");
  const std::size_t insurance = html.find("href=\"/programmes/first-set-equipment-insurance\"");
  CHECK(specialised < medical);
  CHECK(medical < insurance);
  CHECK(insurance < html.find("id=\"subscribe\""));
  CHECK_FALSE(has(html, "预计2025年11月"));  // next year's projection is beyond the 90 days

  // Once closed a window leaves the list.
  const std::string later = home({}, {}, *parse_iso8601("2024-10-20T09:00+08:00"));
  CHECK_FALSE(has(later, "href=\"/programmes/jiangsu-specialised-sme-2024-batch2\""));
  CHECK(has(later, "href=\"/programmes/first-set-equipment-insurance\""));
}

TEST_CASE("web home page: the form posts to /subscribe with the leads in Chinese") {
  const std::string html = home(web::subscribe_form_from_link("programme=smart-factory-tiered-cultivation",
                                                              default_lead_menu()));
  CHECK(has(html, "<section id=\"subscribe\""));
  CHECK(has(html, "<form method=\"post\" action=\"/subscribe#subscribe\""));
  CHECK(has(html, "<button type=\"submit\">"));
  CHECK(has(html, "<label for=\"email\">"));
  CHECK(has(html, "<label for=\"keyword\">"));
  for (const char* label : {"开始申报时", "截止前30天", "截止前7天", "截止当天", "截止前2小时"}) {
    CAPTURE(label);
    CHECK(has(html, std::string(">") + label + "</label>"));
  }
  CHECK(has(checkbox(html, "programme", "smart-factory-tiered-cultivation"), " checked"));
  CHECK_FALSE(has(checkbox(html, "programme", "first-set-equipment-insurance"), " checked"));
  CHECK(has(checkbox(html, "lead", "30d"), " checked"));
  CHECK_FALSE(has(checkbox(html, "lead", "2h"), " checked"));
  CHECK_FALSE(has(html, "class=\"error"));  // no errors: none shown
}

TEST_CASE("web home page: entered values are filled in again") {
  SubscribeForm values;
  values.email = "zhang@example.cn";
  values.keyword = "专精特新";
  values.programmes = {"first-set-equipment-insurance"};
  values.groups = {"科学技术部门"};
  values.categories = {"认定培育"};
  values.leads = {"2h"};
  const std::string html = home(values);
  CHECK(has(html, "value=\"zhang@example.cn\""));
  CHECK(has(html, "value=\"专精特新\""));
  CHECK(has(checkbox(html, "programme", "first-set-equipment-insurance"), " checked"));
  CHECK(has(checkbox(html, "group", "科学技术部门"), " checked"));
  CHECK_FALSE(has(checkbox(html, "group", "其他部门"), " checked"));
  CHECK(has(checkbox(html, "category", "认定培育"), " checked"));
  CHECK(has(checkbox(html, "lead", "2h"), " checked"));
  CHECK_FALSE(has(checkbox(html, "lead", "30d"), " checked"));
}

TEST_CASE("web home page: hostile values come back escaped") {
  SubscribeForm values;
  values.email = "\"><script>alert(1)</script>";
  values.keyword = "x' onfocus='alert(2)";
  values.programmes = {"<script>"};
  const std::string html = home(values, {{"email", "<b>\"bad\"</b>"}});
  CHECK_FALSE(has(html, "<script>"));
  CHECK_FALSE(has(html, "<b>"));
  CHECK(has(html, "value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""));
  CHECK(has(html, "value=\"x&#39; onfocus=&#39;alert(2)\""));
  CHECK(has(html, "&lt;b&gt;&quot;bad&quot;&lt;/b&gt;"));
}

TEST_CASE("web home page: each field error is shown next to its field and described by it") {
  const FormErrors errors = {{"email", "请输入有效的邮箱地址"},  {"programme", "所选项目已不在日历中，请重新选择"},
                             {"group", "所选部门已不在日历中"}, {"category", "所选类别已不在日历中"},
                             {"keyword", "关键词不能超过50个字"}, {"lead", "请至少选择一个提醒时间"}};
  const std::string html = home({}, errors);

  for (const char* field : {"email", "keyword"}) {
    CAPTURE(field);
    const std::string_view block = around(html, std::string("<label for=\"") + field + "\"", "<div class=\"field\">", "</div>");
    CHECK(has(block, "<p class=\"error\" id=\"" + std::string(field) + "-error\">" + errors.at(field) + "</p>"));
    const std::string_view input = around(block, std::string("name=\"") + field + "\"", "<input", ">");
    CHECK(has(input, "aria-describedby=\"" + std::string(field) + "-hint " + field + "-error\""));
    CHECK(has(input, "aria-invalid=\"true\""));
  }
  for (const char* field : {"programme", "group", "category", "lead"}) {
    CAPTURE(field);
    const std::string_view fieldset = around(html, std::string("name=\"") + field + "\"", "<fieldset", "</fieldset>");
    CHECK(has(fieldset, "<fieldset aria-describedby=\"" + std::string(field) + "-hint " + field + "-error\">"));
    CHECK(has(fieldset, "<p class=\"error\" id=\"" + std::string(field) + "-error\">" + errors.at(field) + "</p>"));
    // Only its own error.
    for (const auto& [other, message] : errors) {
      if (other != field) CHECK_FALSE(has(fieldset, message));
    }
  }
  // The summary above the form links each message to its field.
  const std::string_view summary = around(html, "error-summary-title", "<div", "</div>");
  CHECK(has(summary, "提交的内容有 6 处需要修改"));
  CHECK(has(summary, "<a href=\"#email\">请输入有效的邮箱地址</a>"));
  CHECK(has(summary, "<a href=\"#lead-0\">请至少选择一个提醒时间</a>"));
  CHECK(summary.find("#email") < summary.find("#programme-0"));
  CHECK(summary.find("#keyword") < summary.find("#lead-0"));
}

TEST_CASE("web home page: a field without an error shows none") {
  const std::string html = home({}, {{"lead", "请至少选择一个提醒时间"}});
  CHECK_FALSE(has(html, "email-error"));
  CHECK_FALSE(has(html, "aria-invalid=\"true\""));
  CHECK(has(html, "id=\"lead-error\""));
  const std::string_view email = around(html, "name=\"email\"", "<input", ">");
  CHECK(has(email, "aria-describedby=\"email-hint\""));
}

TEST_CASE("web home page: ids are unique and every aria-describedby and summary link names one") {
  const std::string html = home({}, {{"email", "x"}, {"programme", "y"}, {"keyword", "z"}, {"lead", "w"}});
  const std::set<std::string> ids = ids_of(html);
  static const std::regex described(R"re(aria-describedby="([^"]*)")re");
  int references = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), described); it != std::sregex_iterator(); ++it) {
    std::istringstream names((*it)[1].str());
    for (std::string name; names >> name; ++references) CHECK_MESSAGE(ids.count(name) == 1, "missing id ", name);
  }
  CHECK(references == 11);  // seven hints (the consent box's is the 个人信息说明), four errors
  static const std::regex anchor(R"re(href="#([^"]*)")re");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), anchor); it != std::sregex_iterator(); ++it) {
    CHECK_MESSAGE(ids.count((*it)[1].str()) == 1, "link to missing id ", (*it)[1].str());
  }
  // Every form control has a label.
  static const std::regex control(R"re(<input [^>]* id="([^"]*)")re");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), control); it != std::sregex_iterator(); ++it) {
    CHECK_MESSAGE(has(html, "<label for=\"" + (*it)[1].str() + "\">"), "no label for ", (*it)[1].str());
  }
}

TEST_CASE("web home page: a zh-CN page for phones in the shared frame") {
  const std::string html = home();
  CHECK(html.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"));
  CHECK(has(html, "name=\"viewport\""));
  CHECK(has(html, "《江苏省中小企业惠企政策一本通（2024年四季度）》"));
  CHECK(has(html, "汇编内容仅供参考，具体信息以政策原文为准"));
}
