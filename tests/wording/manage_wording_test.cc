// wording/manage_wording.h: what the manage page says about endpoints, in Chinese.

#include "wording/manage_wording.h"

#include <doctest/doctest.h>

using namespace deadline;

TEST_CASE("an endpoint's state reads as its owner needs it: failing is not 正常") {
  CHECK(wording::endpoint_state_text(EndpointState::active, false) == "正常");
  CHECK(wording::endpoint_state_text(EndpointState::active, true) == "发送失败，正在重试");
  CHECK(wording::endpoint_state_text(EndpointState::needs_attention, false) == "需要处理");
  CHECK(wording::endpoint_state_text(EndpointState::disabled, true) == "已停用");
}

TEST_CASE("default names count the endpoints of a kind, a key shows by its tail") {
  CHECK(wording::default_endpoint_name(EndpointKind::webhook, 1) == "Webhook 1");
  CHECK(wording::default_endpoint_name(EndpointKind::wecom, 2) == "企业微信机器人 2");
  CHECK(wording::secret_tail_text("abcd") == "密钥尾号 abcd");
}

TEST_CASE("each status a change redirects with has its sentence, an unknown one shows nothing") {
  for (const char* code : {"saved", "added", "deleted", "reenabled", "test"}) CHECK_FALSE(wording::manage_done_text(code).empty());
  CHECK(wording::manage_done_text("saved").starts_with("已保存"));
  CHECK(wording::manage_done_text("<script>").empty());
  CHECK(wording::too_many_endpoints_text().find("10") != std::string::npos);
}
