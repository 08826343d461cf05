// The welcome and manage-link mails: the manage link can always be recovered from a mail.

#include "mail/account_email.h"

#include <doctest/doctest.h>

using namespace deadline;

TEST_CASE("account mails: the welcome mail carries the manage and unsubscribe links") {
  const auto mail = mail::render_welcome("caiwu@qiye.example.cn", "https://d.example.cn/manage/M1", "https://d.example.cn/unsubscribe/U1");
  REQUIRE_MESSAGE(mail, mail.error());
  CHECK(mail->subject == "订阅已确认：请保存管理链接");
  CHECK(mail->text.find("https://d.example.cn/manage/M1") != std::string::npos);
  CHECK(mail->text.find("https://d.example.cn/unsubscribe/U1") != std::string::npos);
  CHECK(mail->text.find("caiwu@qiye.example.cn 已确认订阅") != std::string::npos);
  CHECK(mail->html.find("href=\"https://d.example.cn/manage/M1\"") != std::string::npos);
  CHECK_FALSE(mail::render_welcome("a@b.cn", "javascript:alert(1)", "https://d.example.cn/u"));
}

TEST_CASE("account mails: the manage-link mail answers a request for an address already subscribed") {
  const auto mail = mail::render_manage_link("caiwu@qiye.example.cn", "https://d.example.cn/manage/M1");
  REQUIRE_MESSAGE(mail, mail.error());
  CHECK(mail->subject == "您的申报提醒管理链接");
  CHECK(mail->text.find("这个地址已经订阅，订阅内容没有改变") != std::string::npos);
  CHECK(mail->text.find("https://d.example.cn/manage/M1") != std::string::npos);
  CHECK(mail->text.find("如果不是您本人操作") != std::string::npos);
  CHECK(mail->html.find("<script") == std::string::npos);
}
