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
