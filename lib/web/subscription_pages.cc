#include "web/subscription_pages.h"

#include "web/page.h"

namespace deadline::web {

namespace {

constexpr std::string_view kHomeLink = "<p><a href=\"/\">返回首页</a></p>";

}  // namespace

std::string confirm_sent_page(std::string_view email) {
  return page("请查收确认邮件",
              "<p>我们已向 <strong>" + escape(email) +
                  "</strong> 发送一封邮件。请打开邮件，按其中的链接确认订阅；确认之前不会发送任何提醒。</p>\n"
                  "<p class=\"note\">几分钟后仍未收到？请查看垃圾邮件文件夹，或核对上面的地址后回到首页重新提交。</p>\n" +
                  std::string(kHomeLink));
}

std::string confirm_page(std::string_view token_path) {
  return page("确认订阅", "<p>点击下面的按钮，确认订阅申报截止提醒邮件。</p>\n<form method=\"post\" action=\"" +
                              escape(token_path) + "\">\n<button type=\"submit\">确认订阅</button>\n</form>");
}

std::string confirmed_page(std::string_view manage_path) {
  const std::string manage = manage_path.empty() ? std::string()
                                                 : "<p><a href=\"" + escape(manage_path) +
                                                       "\">管理订阅</a>：修改提醒的项目和时间，添加 Webhook 或群机器人。"
                                                       "请收藏此链接，每封提醒邮件里也有。</p>\n";
  return page("订阅已确认",
              "<p>订阅已确认。各项目截止前，我们会按您选择的提醒时间发送邮件。</p>\n" + manage +
                  "<p class=\"note\">每封提醒邮件底部都有退订链接，随时可以退订。</p>\n" + std::string(kHomeLink));
}

std::string message_page(std::string_view title, std::string_view text) {
  std::string body;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (!line.empty()) body += "<p>" + escape(line) + "</p>\n";
  }
  return page(title, body + std::string(kHomeLink));
}

}  // namespace deadline::web
