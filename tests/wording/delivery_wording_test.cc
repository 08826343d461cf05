#include <doctest/doctest.h>

#include "wording/delivery_wording.h"

namespace deadline::wording {

TEST_CASE("delivery_problem_text: Chinese for each class of failure, never the technical text") {
  const struct {
    EndpointKind kind;
    const char* technical;
    const char* expect;
  } cases[] = {
      {EndpointKind::webhook, "Couldn't resolve host name", "域名无法解析"},
      {EndpointKind::webhook, "Timeout was reached", "没有回应"},
      {EndpointKind::webhook, "Couldn't connect to server", "无法连接"},
      {EndpointKind::webhook, "SSL peer certificate or SSH remote key was not OK", "证书"},
      {EndpointKind::webhook, "HTTP 404", "找不到这个地址"},
      {EndpointKind::webhook, "HTTP 410 Gone: the receiver asked to stop", "不再接收"},
      {EndpointKind::webhook, "HTTP 302 (redirects are not followed)", "跳转"},
      {EndpointKind::webhook, "HTTP 503", "暂时出错"},
      {EndpointKind::feishu, "Feishu: HTTP 200 without a readable code in the reply", "飞书的回复无法识别"},
      {EndpointKind::dingtalk, "DingTalk errcode 310000: sign not match", "加签密钥"},
      {EndpointKind::email, "RCPT failed: 550 5.1.1 user unknown", "邮件被退回"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.technical);
    const std::string text = delivery_problem_text(c.kind, c.technical);
    CHECK(text.find(c.expect) != std::string::npos);
    CHECK(text.find(c.technical) == std::string::npos);
  }
  CHECK(delivery_problem_text(EndpointKind::webhook, "").empty());
}

}  // namespace deadline::wording

namespace deadline::wording {

TEST_CASE("delivery_problem_text: a refused URL or resolved address is worded as at adding, with the host") {
  CHECK(delivery_problem_text(EndpointKind::webhook, "refused: 10.0.0.1 is private (10.0.0.0/8)") ==
        "这个地址指向内网或本机（10.0.0.1），提醒无法送达。请填写可从互联网访问的 https 地址。");
  CHECK(delivery_problem_text(EndpointKind::wecom, "refused: ::1 is loopback (::1); refused: 127.0.0.1 is loopback "
                                                   "(127.0.0.0/8)")
            .find("内网或本机（::1）") != std::string::npos);
  CHECK(delivery_problem_text(EndpointKind::webhook,
                              "the URL's scheme is http: only https is allowed (http only for a host on the allow-list)")
            .find("不接受不加密的 http 地址") != std::string::npos);
  CHECK(refusal_in("HTTP 500") == delivery::TargetRefusal::none);
}

TEST_CASE("endpoint_refusal_text: every code has Chinese that says what to do, and none is English") {
  for (int i = static_cast<int>(delivery::TargetRefusal::url_empty);
       i <= static_cast<int>(delivery::TargetRefusal::email_invalid); ++i) {
    CAPTURE(i);
    const std::string text = endpoint_refusal_text(static_cast<delivery::TargetRefusal>(i));
    CHECK(text.find("请") != std::string::npos);
    CHECK(text.find("the ") == std::string::npos);
  }
  CHECK(endpoint_refusal_text(delivery::TargetRefusal::none).empty());
}

TEST_CASE("endpoint_notice_words and labels") {
  CHECK(endpoint_notice_words("failing").subject == "【申报提醒】接收方式发送失败");
  CHECK(endpoint_notice_words("disabled").subject == "【申报提醒】接收方式已停用");
  CHECK(endpoint_notice_words("needs_attention").subject == "【申报提醒】接收方式需要您处理");
  CHECK(endpoint_label(EndpointKind::feishu, "https://open.feishu.cn/…") == "飞书群机器人 https://open.feishu.cn/…");
}

}  // namespace deadline::wording
