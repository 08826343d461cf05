#include "wording/manage_wording.h"

namespace deadline::wording {

std::string_view endpoint_kind_name(EndpointKind kind) {
  switch (kind) {
    case EndpointKind::email: return "邮件";
    case EndpointKind::webhook: return "Webhook";
    case EndpointKind::wecom: return "企业微信群机器人";
    case EndpointKind::dingtalk: return "钉钉群机器人";
    case EndpointKind::feishu: return "飞书群机器人";
  }
  return "接收方式";
}

std::string_view endpoint_state_text(EndpointState state, bool failing) {
  switch (state) {
    case EndpointState::active: return failing ? "发送失败，正在重试" : "正常";
    case EndpointState::needs_attention: return "需要处理";
    case EndpointState::disabled: return "已停用";
    case EndpointState::unsubscribed: return "已退订";
  }
  return "";
}

std::string default_endpoint_name(EndpointKind kind, int n) {
  std::string_view base = "接收方式";
  switch (kind) {
    case EndpointKind::email: base = "邮件"; break;
    case EndpointKind::webhook: base = "Webhook"; break;
    case EndpointKind::wecom: base = "企业微信机器人"; break;
    case EndpointKind::dingtalk: base = "钉钉机器人"; break;
    case EndpointKind::feishu: base = "飞书机器人"; break;
  }
  return std::string(base) + " " + std::to_string(n);
}

std::string secret_tail_text(std::string_view tail) { return "密钥尾号 " + std::string(tail); }

std::string manage_done_text(std::string_view code) {
  if (code == "saved") return "已保存：今后的提醒按新的选择发送。";
  if (code == "added") return "已添加：新的接收方式将收到与邮件相同的提醒。可以发送一条测试提醒试试。";
  if (code == "deleted") return "已删除这个接收方式，不再向它发送提醒。";
  if (code == "reenabled") return "已重新启用。错过的、仍在申报期内的提醒将很快补发。";
  if (code == "test") return "测试提醒已排队，几秒内发出。请到对应的邮箱或群里查看。";
  return {};
}

std::string too_many_endpoints_text() {
  return "最多只能有 " + std::to_string(kMaxEndpointsPerSubscriber) +
         " 个接收方式（含邮件）。请先删除不再使用的，再添加新的。";
}

std::string delete_endpoint_question(std::string_view name, std::string_view shown_address) {
  return "确定删除“" + std::string(name) + "”（" + std::string(shown_address) + "）吗？";
}

}  // namespace deadline::wording
