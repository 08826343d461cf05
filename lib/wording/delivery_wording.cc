#include "wording/delivery_wording.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

#include "wording/manage_wording.h"

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

// "（::1）" after a sentence's subject when a host is known.
std::string in_brackets(std::string_view host) { return host.empty() ? std::string() : "（" + std::string(host) + "）"; }

// The address the guard refused, from "refused: 10.0.0.1 is private (10.0.0.0/8)" or "the URL's
// host [::1] is not reachable: ...": the first word after the prefix, brackets dropped.
std::string refused_host(std::string_view technical) {
  for (const std::string_view prefix : {std::string_view("refused: "), std::string_view("the URL's host ")}) {
    if (!technical.starts_with(prefix)) continue;
    std::string_view rest = technical.substr(prefix.size());
    rest = rest.substr(0, rest.find(' '));
    if (rest.size() >= 2 && rest.front() == '[' && rest.back() == ']') rest = rest.substr(1, rest.size() - 2);
    return std::string(rest);
  }
  return {};
}

}  // namespace

std::string endpoint_refusal_text(delivery::TargetRefusal reason, std::string_view host) {
  using T = delivery::TargetRefusal;
  constexpr std::string_view kWriteHttps = "请填写完整的 https 地址，例如从机器人或接收服务的设置里复制的 Webhook 地址。";
  switch (reason) {
    case T::none: return {};
    case T::url_empty: return "请填写接收地址。" + std::string(kWriteHttps);
    case T::url_too_long:
      return "这个地址太长（超过 2048 个字符），无法使用。请核对是否多粘贴了内容，只填写一个 Webhook 地址。";
    case T::url_has_space: return "地址中有空格。请删去空格后重新填写（复制时常会带上多余的空格）。";
    case T::url_has_control: return "地址中有换行或不可见的字符。请把地址重新复制到一行内再填写。";
    case T::url_not_valid: return "这不是一个有效的网址。" + std::string(kWriteHttps);
    case T::url_not_web: return "地址须以 https:// 开头。" + std::string(kWriteHttps);
    case T::url_no_slashes: return "地址的开头应为 https://（两个斜杠后接域名）。请核对后重新填写。";
    case T::url_no_host: return "地址中缺少域名。" + std::string(kWriteHttps);
    case T::url_user_info:
      return "地址中带有用户名或密码（@ 之前的部分），为安全起见不能使用。请删去 @ 及其之前的部分，或改用接收方提供的签名密钥。";
    case T::url_zone_id: return "地址中的 IPv6 地址带有网卡标识（% 之后的部分），提醒无法送达。请改用可从互联网访问的 https 地址。";
    case T::url_http: return "地址须以 https:// 开头，不接受不加密的 http 地址。请改用接收方提供的 https 地址。";
    case T::url_bad_port: return "地址中的端口号不对（应为 1 到 65535 之间的数字）。请核对冒号后面的端口号。";
    case T::url_not_public:
      return "这个地址指向内网或本机" + in_brackets(host) +
             "，提醒无法送达。请填写可从互联网访问的 https 地址。";
    case T::url_local_name:
      return "这个地址指向本机" + in_brackets(host) + "，提醒无法送达。请填写可从互联网访问的 https 地址。";
    case T::robot_fragment: return "机器人地址中不应有 # 及其后的内容。请从机器人设置里重新复制 Webhook 地址。";
    case T::wecom_no_key:
      return "企业微信机器人地址缺少 key 参数。请在群机器人的设置里重新复制完整的 Webhook 地址（以 …/webhook/send?key= 结尾）。";
    case T::dingtalk_no_token:
      return "钉钉机器人地址缺少 access_token 参数。请在机器人的设置里重新复制完整的 Webhook 地址。";
    case T::feishu_no_hook:
      return "飞书机器人地址不完整（应以 …/open-apis/bot/v2/hook/ 加一串编号结尾）。请在机器人的设置里重新复制 Webhook 地址。";
    case T::webhook_secret_malformed:
      return "签名密钥的格式不对（应以 whsec_ 开头，后接系统生成的一串字符）。请留空由系统生成，或粘贴完整的密钥。";
    case T::wecom_secret_given: return "企业微信机器人不需要密钥（密钥已包含在地址的 key 参数中）。请把密钥一栏留空。";
    case T::dingtalk_secret_prefix:
      return "钉钉机器人的加签密钥应以 SEC 开头。请在机器人的“安全设置 → 加签”里复制完整的密钥；未开启加签则留空。";
    case T::email_invalid: return "邮箱地址的格式不对。请核对后重新填写，例如 name@example.cn。";
  }
  return {};
}

delivery::TargetRefusal refusal_in(std::string_view technical) {
  using T = delivery::TargetRefusal;
  // Distinctive parts of the technical sentences (delivery/outbound_url.cc, endpoint_check.cc).
  static constexpr std::pair<std::string_view, T> kPhrases[] = {
      {"the URL is empty", T::url_empty},
      {"bytes long: at most", T::url_too_long},
      {"the URL contains a space", T::url_has_space},
      {"the URL contains a control character", T::url_has_control},
      {"user name or password before the host", T::url_user_info},
      {"IPv6 zone id", T::url_zone_id},
      {"only https is allowed (http only", T::url_http},
      {"only https is allowed", T::url_not_web},
      {"does not start with https://", T::url_not_web},
      {"the URL has no scheme", T::url_not_web},
      {"must have // and then the host", T::url_no_slashes},
      {"the URL has no host", T::url_no_host},
      {"port is not a number", T::url_bad_port},
      {"has no port and its scheme", T::url_bad_port},
      {"is a localhost name", T::url_local_name},
      {"is not reachable: ", T::url_not_public},
      {"the URL is not valid", T::url_not_valid},
      {"a robot URL has no #fragment", T::robot_fragment},
      {"WeCom robot URL carries its key", T::wecom_no_key},
      {"DingTalk robot URL carries its access_token", T::dingtalk_no_token},
      {"Feishu bot URL ends in its hook id", T::feishu_no_hook},
      {"webhook secret", T::webhook_secret_malformed},
      {"WeCom robot has no secret", T::wecom_secret_given},
      {"secret starts with \"SEC\"", T::dingtalk_secret_prefix},
  };
  if (technical.starts_with("refused: ")) return T::url_not_public;  // the address guard, after DNS
  for (const auto& [phrase, reason] : kPhrases) {
    if (technical.find(phrase) != std::string_view::npos) return reason;
  }
  return T::none;
}

std::string_view test_reminder_note() {
  return "【测试】这是在订阅管理页面发起的测试提醒，用于确认这个接收方式能收到提醒；"
         "以下项目信息真实有效，但并非按您设定的提醒时间发出。";
}

std::string endpoint_label(EndpointKind kind, std::string_view shown) {
  return std::string(endpoint_kind_name(kind)) + (shown.empty() ? "" : " ") + std::string(shown);
}

EndpointNoticeWords endpoint_notice_words(std::string_view what) {
  if (what == "failing") {
    return {"【申报提醒】接收方式发送失败",
            "向下面的接收方式发送提醒已持续失败一段时间，系统仍在按计划自动重试；如果持续失败约三天，将停用该接收方式。"
            "请按下面的提示检查接收方的设置。"};
  }
  if (what == "disabled") {
    return {"【申报提醒】接收方式已停用",
            "下面的接收方式因长时间发送失败或接收方要求停止，已经停用，今后的提醒不会再发送到这里。"
            "请按下面的提示修复后，在管理页面重新启用。"};
  }
  return {"【申报提醒】接收方式需要您处理",
          "下面的接收方式的设置有问题，在您处理之前不会再向它发送提醒。请按下面的提示修改，然后在管理页面重新启用。"};
}

std::string delivery_problem_text(EndpointKind kind, std::string_view technical) {
  if (technical.empty()) return {};
  if (const delivery::TargetRefusal reason = refusal_in(technical); reason != delivery::TargetRefusal::none) {
    return endpoint_refusal_text(reason, reason == delivery::TargetRefusal::url_not_public ? refused_host(technical)
                                                                                          : std::string());
  }
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
