// The pages around subscribing: sent, confirm (a button, never a link that acts), confirmed.

#include "web/subscription_pages.h"
#include "test_support.h"

#include <doctest/doctest.h>

using namespace deadline;

namespace {

using test::has;

std::string replaced(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

TEST_CASE("web subscription pages: confirm sent names the address and nothing about it") {
  const std::string html = web::confirm_sent_page("zhang@example.cn");
  CHECK(has(html, "<title>请查收确认邮件</title>"));
  CHECK(has(html, "<strong>zhang@example.cn</strong>"));
  // Whatever the store knows of an address, only the address itself differs.
  CHECK(replaced(web::confirm_sent_page("li@example.cn"), "li@example.cn", "zhang@example.cn") == html);
  CHECK_FALSE(has(web::confirm_sent_page("<script>\"@x.cn"), "<script>"));
  CHECK(has(web::confirm_sent_page("<script>\"@x.cn"), "&lt;script&gt;&quot;@x.cn"));
}

TEST_CASE("web subscription pages: the confirm page only offers a POST button") {
  const std::string html = web::confirm_page("/confirm/AbC-_123");
  CHECK(has(html, "<form method=\"post\" action=\"/confirm/AbC-_123\">\n<button type=\"submit\">确认订阅</button>\n</form>"));
  CHECK_FALSE(has(html, "href=\"/confirm/"));
  const std::string hostile = web::confirm_page("/confirm/x\"><script>");
  CHECK(has(hostile, "action=\"/confirm/x&quot;&gt;&lt;script&gt;\""));
  CHECK_FALSE(has(hostile, "<script>"));
}

TEST_CASE("web subscription pages: confirmed and message pages") {
  CHECK(has(web::confirmed_page(), "<h1>订阅已确认</h1>"));
  CHECK(has(web::confirmed_page(), "退订"));
  const std::string html = web::message_page("链接<无效>", "第一行\n\n第二行 & <b>");
  CHECK(has(html, "<h1>链接&lt;无效&gt;</h1>"));
  CHECK(has(html, "<p>第一行</p>\n<p>第二行 &amp; &lt;b&gt;</p>\n"));
  CHECK(has(html, "<a href=\"/\">返回首页</a>"));
}
