// The subscribe form's body as browsers send it, and what validation says about it.

#include "web/subscribe_form.h"

#include <doctest/doctest.h>

#include "test_support.h"

using namespace deadline;
using web::FormErrors;
using web::SubscribeForm;

namespace {

using test::handbook;

const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD

SubscribeForm valid_form() {
  SubscribeForm form;
  form.email = "zhang.san@example.cn";
  form.programmes = {"first-set-equipment-insurance"};
  form.groups = {"工业和信息化部门"};
  form.categories = {"资金引导"};
  form.keyword = "保险";
  form.leads = {"7d", "1d"};
  return form;
}

FormErrors errors_of(const SubscribeForm& form) {
  return web::validate_subscribe_form(form, handbook(), default_lead_menu());
}

std::string repeated(std::string_view piece, int times) {
  std::string text;
  for (int i = 0; i < times; ++i) text += piece;
  return text;
}

}  // namespace

TEST_CASE("web form: repeated keys collect every checkbox in order and each once") {
  const SubscribeForm form = web::parse_subscribe_form(
      "programme=b&lead=7d&programme=a&programme=b&group=g1&category=c1&lead=1d&category=c2&lead=7d");
  CHECK(form.programmes == std::vector<std::string>{"b", "a"});
  CHECK(form.leads == std::vector<std::string>{"7d", "1d"});
  CHECK(form.groups == std::vector<std::string>{"g1"});
  CHECK(form.categories == std::vector<std::string>{"c1", "c2"});
}

TEST_CASE("web form: percent-escaped UTF-8 and plus decode as browsers mean them") {
  const SubscribeForm form = web::parse_subscribe_form(
      "email=a%2Btag%40example.cn&keyword=%E4%B8%AD%E5%B0%8F+%E4%BC%81%E4%B8%9A&group=%E5%85%B6%E4%BB%96%E9%83%A8%E9%97%A8");
  CHECK(form.email == "a+tag@example.cn");
  CHECK(form.keyword == "中小 企业");
  CHECK(form.groups == std::vector<std::string>{"其他部门"});
  CHECK(web::parse_subscribe_form("keyword=%e4%b8%ad").keyword == "中");  // lower-case hex
  CHECK(web::parse_subscribe_form("keyword=专精特新").keyword == "专精特新");  // raw UTF-8 as sent
  CHECK(web::parse_subscribe_form("keyword=a%2Bb").keyword == "a+b");
  CHECK(web::parse_subscribe_form("key%77ord=x").keyword == "x");  // names are decoded too
}

TEST_CASE("web form: a bad percent-escape stays literal and bad UTF-8 becomes U+FFFD") {
  CHECK(web::parse_subscribe_form("keyword=100%").keyword == "100%");
  CHECK(web::parse_subscribe_form("keyword=%zz%4").keyword == "%zz%4");
  CHECK(web::parse_subscribe_form("keyword=%4G1").keyword == "%4G1");
  CHECK(web::parse_subscribe_form("keyword=%%41").keyword == "%A");
  CHECK(web::parse_subscribe_form("keyword=%FFa").keyword == kReplacement + "a");
  CHECK(web::parse_subscribe_form("keyword=%E4%B8").keyword == kReplacement + kReplacement);  // cut short
  CHECK(web::parse_subscribe_form("programme=%C0%AF").programmes ==
        std::vector<std::string>{kReplacement + kReplacement});  // overlong '/'
}

TEST_CASE("web form: email and keyword are trimmed and the first one wins") {
  const SubscribeForm form = web::parse_subscribe_form(
      "email=++a%40example.cn%09&keyword=%E3%80%80%E4%B8%93%E7%B2%BE+&email=b%40example.cn&keyword=other");
  CHECK(form.email == "a@example.cn");
  CHECK(form.keyword == "专精");
}

TEST_CASE("web form: unknown names and empty pieces are ignored") {
  const SubscribeForm form = web::parse_subscribe_form("&&csrf=x&programme&programme=&lead=7d&=x&email");
  CHECK(form.programmes.empty());
  CHECK(form.leads == std::vector<std::string>{"7d"});
  CHECK(form.email.empty());
  CHECK(form.keyword.empty());
}

TEST_CASE("web form: a link ticks its programme and the default leads and nothing else") {
  const SubscribeForm form = web::subscribe_form_from_link(
      "programme=first-set-equipment-insurance&email=x%40example.cn&keyword=k&lead=2h", default_lead_menu());
  CHECK(form.programmes == std::vector<std::string>{"first-set-equipment-insurance"});
  CHECK(form.email.empty());
  CHECK(form.keyword.empty());
  CHECK(form.leads == std::vector<std::string>{"30d", "7d", "1d"});
}

TEST_CASE("web form: default leads come from the menu") {
  CHECK(web::default_leads(default_lead_menu()) == std::vector<std::string>{"30d", "7d", "1d"});
  const std::vector<Lead> menu = {parse_lead("open").value(), parse_lead("2h").value()};
  CHECK(web::default_leads(menu) == std::vector<std::string>{"open", "2h"});
}

TEST_CASE("web form: the choices are the calendar's groups and categories") {
  CHECK(web::calendar_groups(handbook()) == std::vector<std::string>{"工业和信息化部门", "科学技术部门", "其他部门"});
  CHECK(web::calendar_categories(handbook()) == std::vector<std::string>{"资金引导", "认定培育"});
}

TEST_CASE("web form: a complete form validates") {
  CHECK(errors_of(valid_form()).empty());
  SubscribeForm minimal;
  minimal.email = "a@example.cn";
  minimal.leads = {"closing-day"};
  CHECK(errors_of(minimal).empty());
}

TEST_CASE("web form: an empty form needs an email address and a lead") {
  CHECK(errors_of(SubscribeForm{}) == FormErrors{{"email", "请填写邮箱地址"}, {"lead", "请至少选择一个提醒时间"}});
}

TEST_CASE("web form: an address email_address_problem refuses is not valid") {
  for (const char* address : {"a@localhost", "no-at.example.cn", "a b@example.cn", "<a>@example.cn", "=?x?=@example.cn"}) {
    CAPTURE(address);
    SubscribeForm form = valid_form();
    form.email = address;
    CHECK(errors_of(form) == FormErrors{{"email", "请输入有效的邮箱地址"}});
  }
}

TEST_CASE("web form: choices the calendar or the menu does not have are refused") {
  SubscribeForm form = valid_form();
  form.programmes.push_back("no-such-programme");
  form.groups.push_back("<script>");
  form.categories.push_back("资金");
  form.leads.push_back("5d");
  CHECK(errors_of(form) == FormErrors{{"programme", "所选项目已不在日历中，请重新选择"},
                                      {"group", "所选部门已不在日历中，请重新选择"},
                                      {"category", "所选类别已不在日历中，请重新选择"},
                                      {"lead", "所选提醒时间不可用，请重新选择"}});
}

TEST_CASE("web form: programmes outside every chosen group can never remind") {
  SubscribeForm form = valid_form();
  form.groups = {"科学技术部门"};
  CHECK(errors_of(form) ==
        FormErrors{{"programme", "所选项目都不属于所选的部门或类别；各类条件须同时满足，这样将收不到任何提醒。"
                                 "请取消部门或类别的勾选，或改选项目"}});
  form.programmes.push_back("national-rd-disruptive-technology");  // 科学技术部门 · 资金引导
  CHECK(errors_of(form).empty());
  form.categories = {"认定培育"};
  CHECK(errors_of(form).count("programme") == 1);
}

TEST_CASE("web form: a keyword is at most 50 characters of text") {
  SubscribeForm form = valid_form();
  form.keyword = repeated("专", 50);
  CHECK(errors_of(form).empty());
  form.keyword = repeated("专", 51);
  CHECK(errors_of(form) == FormErrors{{"keyword", "关键词不能超过50个字"}});
  form.keyword = "专精\n特新";
  CHECK(errors_of(form) == FormErrors{{"keyword", "关键词不能包含换行等控制字符"}});
  form.keyword = "\xFF";
  CHECK(errors_of(form) == FormErrors{{"keyword", "关键词含有无法识别的字符"}});
}

TEST_CASE("web form: filters carry the choices and the keyword") {
  const EndpointFilters filters = web::filters_of(valid_form());
  CHECK(filters.programmes == std::vector<std::string>{"first-set-equipment-insurance"});
  CHECK(filters.groups == std::vector<std::string>{"工业和信息化部门"});
  CHECK(filters.categories == std::vector<std::string>{"资金引导"});
  CHECK(filters.keywords == std::vector<std::string>{"保险"});
  CHECK(filters.authorities.empty());
  CHECK(filters.roles.empty());
  SubscribeForm everything;
  everything.email = "a@example.cn";
  everything.leads = {"7d"};
  CHECK(web::filters_of(everything).empty());  // no keyword: no keyword filter
}

TEST_CASE("subscribe form: what a Chinese input method types in the address is made ASCII") {
  // Full-width ＠ and ．, full-width letters and digits, and 。 as a dot.
  CHECK(web::typed_email_address("caiwu＠qiye．example。cn") == "caiwu@qiye.example.cn");
  CHECK(web::typed_email_address("ｃａｉｗｕ１＠qiye.cn") == "caiwu1@qiye.cn");
  CHECK(web::typed_email_address("财务@企业.中国") == "财务@企业.中国");  // kept: validation says why not
  const SubscribeForm form = web::parse_subscribe_form("email=%EF%BC%88x%EF%BC%89caiwu%EF%BC%A0qiye.example.cn&lead=7d");
  CHECK(form.email == "(x)caiwu@qiye.example.cn");
  CHECK(web::parse_subscribe_form("email=caiwu%EF%BC%A0qiye.example.cn&lead=7d").email == "caiwu@qiye.example.cn");
}

TEST_CASE("subscribe form: an internationalised address is refused saying why and what to do") {
  SubscribeForm form = valid_form();
  form.email = "财务@企业.中国";
  const FormErrors errors = errors_of(form);
  REQUIRE(errors.count("email") == 1);
  CHECK(errors.at("email").find("暂不支持含中文") != std::string::npos);
  CHECK(errors.at("email").find("请改用") != std::string::npos);
  form.email = "caiwu@企业.中国";
  CHECK(errors_of(form).at("email") == errors.at("email"));
}

TEST_CASE("subscribe form: the consent box is read, and required by the page's check") {
  CHECK_FALSE(web::parse_subscribe_form("email=a%40b.cn&lead=7d").consent);
  CHECK(web::parse_subscribe_form("email=a%40b.cn&lead=7d&consent=yes").consent);
  CHECK_FALSE(web::parse_subscribe_form("consent=").consent);
  SubscribeForm form;
  CHECK(web::consent_problem(form) == "请阅读“个人信息说明”，勾选同意后再提交");
  form.consent = true;
  CHECK(web::consent_problem(form).empty());
}
