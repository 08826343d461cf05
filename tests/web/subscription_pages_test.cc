// The pages around subscribing and unsubscribing, and the site's error pages: one answer for every
// address, a button (never a link that acts), the address masked, revoked links said so.

#include "web/subscription_pages.h"
#include "test_support.h"

#include <doctest/doctest.h>

using namespace deadline;

namespace {

using test::has;

}  // namespace

TEST_CASE("web subscription pages: an address is masked to its first character and domain") {
  CHECK(web::mask_email("caiwu@qiye.example.cn") == "c***@qiye.example.cn");
  CHECK(web::mask_email("c@qiye.example.cn") == "c***@qiye.example.cn");
  CHECK(web::mask_email("张三@qiye.example.cn") == "张***@qiye.example.cn");  // a whole character
  CHECK(web::mask_email("no-at-sign") == "***");
  CHECK(web::mask_email("") == "***");
}

TEST_CASE("web subscription pages: the subscribed page names no address and says mail may take ten minutes") {
  const std::string html = web::subscribed_page();
  CHECK(has(html, "<title>请查收邮件</title>"));
  CHECK(has(html, "十分钟"));
  CHECK(has(html, "确认之前不会发送任何提醒"));
  CHECK_FALSE(has(html, "@"));
}

TEST_CASE("web subscription pages: the confirm page names the address masked and only offers a POST button") {
  const std::string html = web::confirm_page("/confirm/AbC-_123", "c***@qiye.example.cn");
  CHECK(has(html, "您正在确认 c***@qiye.example.cn 的订阅。"));
  CHECK(has(html, "<form method=\"post\" action=\"/confirm/AbC-_123\">\n<button type=\"submit\">同意并确认订阅</button>\n</form>"));
  CHECK(has(html, "个人信息说明"));
  CHECK_FALSE(has(html, "href=\"/confirm/"));
  const std::string hostile = web::confirm_page("/confirm/x\"><script>", "<b>");
  CHECK(has(hostile, "action=\"/confirm/x&quot;&gt;&lt;script&gt;\""));
  CHECK_FALSE(has(hostile, "<script>"));
  CHECK_FALSE(has(hostile, "<b>"));
}

TEST_CASE("web subscription pages: the unsubscribe page says webhooks and robots stop too") {
  const std::string html = web::unsubscribe_page("/unsubscribe/T", "c***@qiye.example.cn");
  CHECK(has(html, "您正在退订 c***@qiye.example.cn 的申报提醒。"));
  CHECK(has(html, "Webhook 和群机器人都将停止接收提醒"));
  CHECK(has(html, "name=\"via\" value=\"page\""));
  CHECK(has(web::unsubscribed_page(30), "30 天内删除"));
}

TEST_CASE("web subscription pages: a revoked link says so, apart from one that never worked") {
  CHECK(has(web::confirm_link_invalid_page(true), "这个确认链接已失效：这个地址已经退订"));
  CHECK_FALSE(has(web::confirm_link_invalid_page(true), "<button"));
  CHECK(has(web::unsubscribe_link_invalid_page(true), "重新订阅过"));
  CHECK(has(web::unsubscribe_link_invalid_page(false), "无效或已失效"));
}

TEST_CASE("web subscription pages: confirmed and message pages") {
  CHECK(has(web::confirmed_page(), "<h1>订阅已确认</h1>"));
  CHECK(has(web::confirmed_page(), "退订"));
  CHECK(has(web::confirmed_page("/manage/M"), "<a href=\"/manage/M\""));
  const std::string html = web::message_page("链接<无效>", "第一行\n\n第二行 & <b>");
  CHECK(has(html, "<h1>链接&lt;无效&gt;</h1>"));
  CHECK(has(html, "<p>第一行</p>\n<p>第二行 &amp; &lt;b&gt;</p>\n"));
  CHECK(has(html, "<a href=\"/\">返回首页</a>"));
}

TEST_CASE("web subscription pages: an error page is Chinese, its heading apart from its title, with a way back") {
  const std::string html = web::error_page(404);
  CHECK(has(html, "<title>找不到这个页面 - 惠企政策申报截止提醒</title>"));
  CHECK(has(html, "<h1>找不到这个页面</h1>"));
  CHECK(has(html, "<a href=\"/\">返回首页</a>"));
  CHECK(has(web::error_page(413), "<h1>提交的内容太多</h1>"));
  CHECK(has(web::error_page(431), "<h1>请求太大</h1>"));
  CHECK(has(web::error_page(405), "<h1>不支持这种请求</h1>"));
  CHECK(has(web::error_page(502), "<h1>服务出错</h1>"));
}
