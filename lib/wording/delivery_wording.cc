#include "wording/delivery_wording.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace deadline::wording {

namespace {

bool mentions(std::string_view text, std::string_view word) {
  const auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  return std::search(text.begin(), text.end(), word.begin(), word.end(),
                     [&](char a, char b) { return lower(a) == lower(b); }) != text.end();
}

// The status of an "HTTP nnn" in the text, or 0.
int http_status(std::string_view text) {
  const std::size_t at = text.find("HTTP ");
  if (at == std::string_view::npos || at + 8 > text.size()) return 0;
  const std::string_view digits = text.substr(at + 5, 3);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return 0;
  return std::stoi(std::string(digits));
}

std::string_view receiver_of(EndpointKind kind) {
  switch (kind) {
    case EndpointKind::email: return "邮件服务器";
    case EndpointKind::webhook: return "接收地址";
    case EndpointKind::wecom: return "企业微信";
    case EndpointKind::dingtalk: return "钉钉";
    case EndpointKind::feishu: return "飞书";
  }
  return "接收方";
}

}  // namespace

std::string delivery_problem_text(EndpointKind kind, std::string_view technical) {
  if (technical.empty()) return {};
  const std::string receiver(receiver_of(kind));
  if (kind == EndpointKind::email) {
    if (mentions(technical, "RCPT") || mentions(technical, "5.1.1") || mentions(technical, "bounce")) {
      return "邮件被退回：收件地址可能不存在或已停用。请核对邮箱地址，或改用其他邮箱订阅。";
    }
    return "邮件暂时发不出去，系统会自动重试。若持续失败，请联系网站管理员。";
  }
  if (mentions(technical, "resolve")) {
    return "找不到这个地址的服务器（域名无法解析）。请核对地址中的域名是否写对。";
  }
  if (mentions(technical, "timeout") || mentions(technical, "timed out")) {
    return receiver + "长时间没有回应，系统会自动重试。请确认对方服务在线。";
  }
  if (mentions(technical, "connect")) {
    return "无法连接到" + receiver + "，系统会自动重试。请确认地址和端口正确、服务在线。";
  }
  if (mentions(technical, "SSL") || mentions(technical, "TLS") || mentions(technical, "certificate")) {
    return "与" + receiver + "建立安全连接失败（证书无效或已过期）。请对方更新 https 证书。";
  }
  if (mentions(technical, "allow") || mentions(technical, "private") || mentions(technical, "loopback") ||
      mentions(technical, "not public")) {
    return "这个地址指向内网或本机，不能发送。请改用可从互联网访问的 https 地址。";
  }
  if (const int status = http_status(technical); status != 0) {
    if (status == 410) return receiver + "表示不再接收（HTTP 410）。如需继续接收，请添加新的地址。";
    if (status == 401 || status == 403) return receiver + "拒绝了请求（无权限）。请核对地址中的密钥或签名设置。";
    if (status == 404) return receiver + "找不到这个地址（404）。请核对地址，或重新复制机器人的 Webhook 地址。";
    if (status >= 300 && status < 400) return receiver + "要求跳转到别的地址，系统不跟随跳转。请填写最终地址。";
    if (status == 429) return receiver + "请求过于频繁，系统会稍后重试。";
    if (status >= 500) return receiver + "暂时出错，系统会自动重试。";
    if (status >= 200 && status < 300) return receiver + "的回复无法识别，系统会自动重试。请确认地址是群机器人的 Webhook 地址。";
    return receiver + "拒绝了提醒。请核对地址和密钥。";
  }
  if (kind == EndpointKind::wecom || kind == EndpointKind::dingtalk || kind == EndpointKind::feishu) {
    return receiver + "拒绝了提醒。请核对机器人的 Webhook 地址和安全设置（关键词、加签密钥、IP 白名单）。";
  }
  return "发送失败，系统会自动重试。若持续失败，请核对地址。";
}

}  // namespace deadline::wording
