// delivery/endpoint_display.h: an endpoint shown as scheme://host[:port]/…, never its secrets.

#include "delivery/endpoint_display.h"

#include <doctest/doctest.h>

using deadline::EndpointKind;
using deadline::delivery::shown_address;

TEST_CASE("an endpoint's URL is shown with its scheme, host and port, never its path or query") {
  CHECK(shown_address(EndpointKind::webhook, "http://127.0.0.1:28391/hooks/a") == "http://127.0.0.1:28391/…");
  CHECK(shown_address(EndpointKind::webhook, "http://127.0.0.1:28392/hooks/a") == "http://127.0.0.1:28392/…");
  CHECK(shown_address(EndpointKind::webhook, "https://hooks.example.cn") == "https://hooks.example.cn/…");
  CHECK(shown_address(EndpointKind::wecom, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx") ==
        "https://qyapi.weixin.qq.com/…");
  CHECK(shown_address(EndpointKind::dingtalk, "https://oapi.dingtalk.com/robot/send?access_token=abc123") ==
        "https://oapi.dingtalk.com/…");
  CHECK(shown_address(EndpointKind::feishu, "https://open.feishu.cn/open-apis/bot/v2/hook/0c1a-secret") ==
        "https://open.feishu.cn/…");
  CHECK(shown_address(EndpointKind::webhook, "https://[2001:db8::1]:8443/x") == "https://[2001:db8::1]:8443/…");
  CHECK(shown_address(EndpointKind::webhook, "https://hooks.example.cn#frag") == "https://hooks.example.cn/…");
}

TEST_CASE("a user name or password in an endpoint's URL is never shown") {
  CHECK(shown_address(EndpointKind::webhook, "https://user:pass@hooks.example.cn:8443/x") ==
        "https://hooks.example.cn:8443/…");
}

TEST_CASE("an email endpoint is shown as its address, what is not a URL as nothing") {
  CHECK(shown_address(EndpointKind::email, "caiwu@qiye.example.cn") == "caiwu@qiye.example.cn");
  CHECK(shown_address(EndpointKind::webhook, "hooks.example.cn/x").empty());
  CHECK(shown_address(EndpointKind::webhook, "https:///x").empty());
  CHECK(shown_address(EndpointKind::webhook, "https://hooks.exa mple.cn\r\n/x") == "https://hooks.example.cn/…");
}
