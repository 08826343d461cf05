// The site's frame and the subscribe form's duties (issue 21): the footer's operator and 备案
// lines, a document title apart from the visible heading, the 个人信息说明 with an unticked
// consent box, and calendar links that work in mainland China first.

#include <doctest/doctest.h>

#include "test_support.h"
#include "time/iso8601.h"
#include "web/feed_links.h"
#include "web/home_page.h"
#include "web/page.h"
#include "wording/subscription_wording.h"

using namespace deadline;

namespace {

using test::has;

const Instant kOct11Frame = *parse_iso8601("2024-10-11T09:00+08:00");

// Sets the footer for one test and puts the empty one back.
struct FooterForTest {
  explicit FooterForTest(web::SiteFooter footer) { web::set_site_footer(std::move(footer)); }
  ~FooterForTest() { web::set_site_footer({}); }
  FooterForTest(const FooterForTest&) = delete;
  FooterForTest& operator=(const FooterForTest&) = delete;
};

}  // namespace

TEST_CASE("site frame: the footer names the operator and links the 备案 numbers where the rules say") {
  const web::SiteFooter footer{"江苏省中小企业服务中心", "025-12345678", "苏ICP备12345678号-1", "苏公网安备32010202012345号"};
  const std::string html = web::footer_html(footer);
  CHECK(has(html, "本服务由江苏省中小企业服务中心运营。联系方式：025-12345678"));
  CHECK(has(html, "<a href=\"https://beian.miit.gov.cn/\" rel=\"noopener noreferrer\">苏ICP备12345678号-1</a>"));
  CHECK(has(html, "<a href=\"https://beian.mps.gov.cn/#/query/webSearch?code=32010202012345\" rel=\"noopener noreferrer\">"
                  "苏公网安备32010202012345号</a>"));
  // Absent when not configured.
  CHECK(web::footer_html({}).empty());
  CHECK_FALSE(has(web::footer_html({"运营者", "", "", ""}), "beian"));
  const FooterForTest set(footer);
  CHECK(has(web::page("标题", "<p>正文</p>"), "苏ICP备12345678号-1"));
}

TEST_CASE("site frame: the document title and the visible heading are separate") {
  const std::string html = web::page("订阅表单有误 - 惠企政策申报截止提醒", "惠企政策申报截止提醒", "");
  CHECK(has(html, "<title>订阅表单有误 - 惠企政策申报截止提醒</title>"));
  CHECK(has(html, "<h1>惠企政策申报截止提醒</h1>"));
  web::FormErrors errors{{"email", "请输入有效的邮箱地址"}};
  const std::string home = web::home_page(test::handbook(), kOct11Frame, default_lead_menu(), {}, errors);
  CHECK(has(home, "<title>订阅表单有误 - 惠企政策申报截止提醒</title>"));
  CHECK(has(home, "<h1>惠企政策申报截止提醒</h1>"));
  CHECK_FALSE(has(home, "<h1>订阅表单有误"));
}

TEST_CASE("site frame: the form says what is collected, why, how long, and asks consent unticked") {
  const FooterForTest set({"示例运营者", "service@example.cn", "", ""});
  web::HomeExtras extras;
  extras.unsubscribed_days = 14;
  extras.finished_message_days = 60;
  const std::string html = web::home_page(test::handbook(), kOct11Frame, default_lead_menu(), {}, {}, {}, extras);
  CHECK(has(html, "个人信息说明"));
  CHECK(has(html, "邮箱地址和订阅选择"));
  CHECK(has(html, "只用于发送确认邮件和申报截止提醒"));
  CHECK(has(html, "保存 60 天"));
  CHECK(has(html, "在 14 天内删除"));
  CHECK(has(html, "退订即删除"));
  CHECK(has(html, "本服务由示例运营者运营。联系方式：service@example.cn"));
  CHECK(has(html, "<input type=\"checkbox\" id=\"consent\" name=\"consent\" value=\"yes\" required aria-describedby=\"consent-hint\">"));
  web::SubscribeForm ticked;
  ticked.consent = true;
  CHECK(has(web::home_page(test::handbook(), kOct11Frame, default_lead_menu(), ticked, {}), "value=\"yes\" required checked"));
  // The 429 answer: the form as entered, and when to try again, above it.
  extras.notice = "提交过于频繁：请在约 1 分钟后重试。";
  ticked.email = "caiwu@qiye.example.cn";
  const std::string limited = web::home_page(test::handbook(), kOct11Frame, default_lead_menu(), ticked, {}, {}, extras);
  CHECK(has(limited, "提交过于频繁：请在约 1 分钟后重试。"));
  CHECK(has(limited, "value=\"caiwu@qiye.example.cn\""));
  CHECK(has(limited, "<title>请稍后再提交 - 惠企政策申报截止提醒</title>"));
}

TEST_CASE("site frame: calendar links offer what works in mainland China first") {
  const std::string html =
      web::feed_links_html(web::feed_links("https://deadlined.example.cn", "/calendar.ics", "申报截止日历"), "加入日历");
  const std::size_t webcal = html.find("webcal://deadlined.example.cn/calendar.ics");
  const std::size_t plain = html.find("<code class=\"feed-url\">https://deadlined.example.cn/calendar.ics</code>");
  const std::size_t google = html.find("calendar.google.com");
  const std::size_t outlook = html.find("outlook.live.com");
  REQUIRE(webcal != std::string::npos);
  REQUIRE(plain != std::string::npos);
  REQUIRE(google != std::string::npos);
  REQUIRE(outlook != std::string::npos);
  CHECK(webcal < plain);
  CHECK(plain < google);
  CHECK(google < outlook);
}

TEST_CASE("site frame: the home page labels every close 截止： and counts days one way") {
  const std::string html = web::home_page(test::handbook(), kOct11Frame, default_lead_menu(), {}, {});
  // 申报时间： only inside a quoted notice phrase (原文), never as the page's own label.
  CHECK_FALSE(has(html, "</span>申报时间："));
  CHECK(has(html, "</span>截止：预计2024年11月"));
  CHECK(has(html, "</span>截止：2024年"));
  CHECK(has(html, "还剩约 "));  // estimated
  CHECK(has(html, "还剩 "));   // exact
}
