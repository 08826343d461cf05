#include "wording/subscription_wording.h"

#include <algorithm>

#include "base/html_escape.h"

namespace deadline::wording {

std::string operator_line(std::string_view name, std::string_view contact) {
  std::string line;
  if (!name.empty()) line += "本服务由" + std::string(name) + "运营。";
  if (!contact.empty()) line += "联系方式：" + std::string(contact);
  return line;
}

ErrorWording http_error(unsigned status) {
  switch (status) {
    case 400:
      return {"请求无法识别", "浏览器发送的请求格式不对，无法处理。\n请回到首页重新操作。"};
    case 404:
      return {"找不到这个页面", "这个地址没有对应的页面：链接可能不完整，或页面已经移除。\n请检查链接，或从首页查看全部项目。"};
    case 405:
      return {"不支持这种请求", "这个页面不能用这种方式打开或提交。\n请从首页重新打开页面后再操作。"};
    case 410:
      return {"页面已移除", "这个页面已经移除。\n请从首页查看现有的项目。"};
    case 413:
      return {"提交的内容太多", "提交的内容超过了允许的大小。\n请减少填写的内容（例如关键词）后重新提交。"};
    case 429:
      return {"请求过于频繁", "短时间内的请求太多。\n请稍等一会儿再试。"};
    case 431:
      return {"请求太大", "浏览器发送的请求信息过大，通常是本站保存的 Cookie 太多。\n请清除本站的 Cookie 后重新打开首页。"};
    case 503:
      return {"暂时无法访问", "服务暂时不可用（例如正在重新载入日历）。\n请稍后再试。"};
    default:
      break;
  }
  if (status >= 500) return {"服务出错", "服务内部出错，这次请求没有完成。\n请稍后再试。"};
  return {"无法完成请求", "这次请求无法完成。\n请回到首页重新操作。"};
}

std::string retry_in(std::chrono::seconds wait) {
  const long long seconds = std::max<long long>(wait.count(), 1);
  if (seconds < 60) return "请在 " + std::to_string(seconds) + " 秒后重试";
  return "请在约 " + std::to_string((seconds + 59) / 60) + " 分钟后重试";
}

std::string privacy_notice_html(int unsubscribed_days, int finished_message_days, std::string_view operator_name,
                                std::string_view operator_contact) {
  std::string html =
      "<ul class=\"privacy\">\n"
      "<li>收集什么：您填写的邮箱地址和订阅选择（项目、部门、类别、关键词、提醒时间）；"
      "以后您在管理页面添加的 Webhook 或群机器人地址。</li>\n"
      "<li>用来做什么：只用于发送确认邮件和申报截止提醒，不用于其他用途，不提供给第三方。</li>\n"
      "<li>保存多久：订阅期间一直保存；已发送提醒的记录保存 " +
      std::to_string(finished_message_days) + " 天。</li>\n<li>退订即删除：退订后立即停止发送，邮箱地址等个人信息在 " +
      std::to_string(unsubscribed_days) + " 天内删除（只留下无法还原为地址的摘要，用于防止滥用）。</li>\n";
  const std::string who = operator_line(operator_name, operator_contact);
  if (!who.empty()) html += "<li>" + html_escape(who) + "</li>\n";
  return html + "</ul>\n";
}

std::string subscribe_too_often(std::chrono::seconds wait) {
  return "提交过于频繁：" + retry_in(wait) + "。您填写的内容已保留在下面的表单中。";
}

std::string confirm_for(std::string_view masked_address) {
  return "您正在确认 " + std::string(masked_address) + " 的订阅。";
}

std::string unsubscribe_for(std::string_view masked_address) {
  return "您正在退订 " + std::string(masked_address) + " 的申报提醒。";
}

std::string unsubscribed_text(int unsubscribed_days) {
  return "您已退订：邮件、Webhook 和群机器人都不会再收到申报提醒。\n您的邮箱地址等个人信息将在 " +
         std::to_string(unsubscribed_days) + " 天内删除。如需重新订阅，请回到首页再次填写订阅表单。";
}

std::string welcome_intro(std::string_view address) {
  return "您好！" + std::string(address) + " 已确认订阅申报截止提醒。各项目截止前，我们会按您选择的提醒时间发送邮件。";
}

std::string manage_link_intro(std::string_view address) {
  return "您好！有人（希望是您）在首页用 " + std::string(address) +
         " 提交了订阅申请。这个地址已经订阅，订阅内容没有改变。如需修改，请打开下面的管理链接。";
}

}  // namespace deadline::wording
