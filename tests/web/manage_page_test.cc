// The manage page (web/manage_page.h): each endpoint with its real state, its problem in Chinese,
// its name and an address that keeps its secrets; its edit and delete steps; erasing everything.

#include "web/manage_page.h"

#include <doctest/doctest.h>

#include "test_support.h"
#include "wording/delivery_wording.h"

using namespace deadline;
using test::handbook;
using test::has;

namespace {

store::EndpointRecord endpoint(std::int64_t id, EndpointKind kind, std::string address) {
  store::EndpointRecord e;
  e.id = id;
  e.subscriber_id = 1;
  e.kind = kind;
  e.address = std::move(address);
  e.leads = {"7d"};
  return e;
}

web::ManagePageInput input_with(std::vector<store::EndpointRecord> endpoints) {
  web::ManagePageInput input;
  input.email = "caiwu@qiye.example.cn";
  input.endpoints = std::move(endpoints);
  input.manage_path = "/manage/TOKEN";
  input.unsubscribe_path = "/unsubscribe/TOKEN";
  input.values.leads = {"7d"};
  return input;
}

std::string page_of(const web::ManagePageInput& input) { return web::manage_page(handbook(), default_lead_menu(), input); }

// The endpoint's <li>, from its id to its end.
std::string item_of(const std::string& html, std::int64_t id) {
  const std::size_t begin = html.find("id=\"endpoint-" + std::to_string(id) + "\"");
  REQUIRE(begin != std::string::npos);
  return html.substr(begin, html.find("</li>", begin) - begin);
}

}  // namespace

TEST_CASE("the manage page shows each endpoint's real state, and its last error in Chinese") {
  store::EndpointRecord ok = endpoint(1, EndpointKind::email, "caiwu@qiye.example.cn");
  store::EndpointRecord failing = endpoint(2, EndpointKind::webhook, "https://hooks.example.cn/a");
  failing.failing_since = test::at("2024-10-01T09:00:00+08:00");
  failing.last_error = "HTTP 503 from the receiver";
  store::EndpointRecord attention = endpoint(3, EndpointKind::wecom, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k");
  attention.state = EndpointState::needs_attention;
  attention.state_reason = "WeCom: errcode 93000 invalid webhook url";
  store::EndpointRecord disabled = endpoint(4, EndpointKind::webhook, "https://hooks.example.cn/b");
  disabled.state = EndpointState::disabled;
  disabled.state_reason = "HTTP 410 Gone";
  const std::string html = page_of(input_with({ok, failing, attention, disabled}));
  CHECK(has(item_of(html, 1), "正常"));
  CHECK_FALSE(has(item_of(html, 1), "最近的问题"));
  CHECK(has(item_of(html, 2), "发送失败，正在重试"));
  CHECK_FALSE(has(item_of(html, 2), "正常"));
  CHECK(has(item_of(html, 2), wording::delivery_problem_text(EndpointKind::webhook, failing.last_error)));
  CHECK(has(item_of(html, 3), "需要处理"));
  CHECK(has(item_of(html, 3), wording::delivery_problem_text(EndpointKind::wecom, attention.state_reason)));
  CHECK(has(item_of(html, 3), "重新启用"));
  CHECK(has(item_of(html, 4), "已停用"));
  // Never the technical English.
  CHECK_FALSE(has(html, "HTTP 503 from"));
  CHECK_FALSE(has(html, "errcode"));
  CHECK_FALSE(has(html, "Gone"));
}

TEST_CASE("an endpoint is shown by its name, scheme://host:port/… and its key's last 4 characters, never its path") {
  store::EndpointRecord named = endpoint(2, EndpointKind::webhook, "http://127.0.0.1:28391/hooks/private-path?x=1");
  named.name = "财务群";
  named.secret_tail = "Ab9z";
  store::EndpointRecord robot = endpoint(3, EndpointKind::dingtalk, "https://oapi.dingtalk.com/robot/send?access_token=SECRET1");
  store::EndpointRecord second = endpoint(4, EndpointKind::webhook, "http://127.0.0.1:28392/hooks/other");
  const std::string html = page_of(input_with({endpoint(1, EndpointKind::email, "caiwu@qiye.example.cn"), named, robot, second}));
  CHECK(has(item_of(html, 2), "财务群"));
  CHECK(has(item_of(html, 2), "http://127.0.0.1:28391/…"));
  CHECK(has(item_of(html, 2), "密钥尾号 Ab9z"));
  CHECK(has(item_of(html, 3), "https://oapi.dingtalk.com/…"));
  CHECK(has(item_of(html, 3), "钉钉机器人 1"));  // no name given (made before names): a default
  CHECK(has(item_of(html, 4), "http://127.0.0.1:28392/…"));
  CHECK(has(item_of(html, 4), "Webhook 2"));
  CHECK_FALSE(has(html, "private-path"));
  CHECK_FALSE(has(html, "SECRET1"));
  CHECK_FALSE(has(html, "access_token"));
}

TEST_CASE("a webhook or robot can be edited and deleted from the manage page, the email is changed above") {
  const std::string html = page_of(input_with({endpoint(1, EndpointKind::email, "caiwu@qiye.example.cn"),
                                               endpoint(2, EndpointKind::feishu, "https://open.feishu.cn/open-apis/bot/v2/hook/x")}));
  CHECK(has(item_of(html, 2), "href=\"/manage/TOKEN?edit=2\""));
  CHECK(has(item_of(html, 2), "href=\"/manage/TOKEN?delete=2\""));
  CHECK_FALSE(has(item_of(html, 1), "?delete="));
  CHECK(has(html, "href=\"/manage/TOKEN?erase=1\""));
  CHECK(has(html, "删除我的全部信息"));
  CHECK(has(html, "name=\"name\""));  // the add form asks for a name

  store::EndpointRecord robot = endpoint(2, EndpointKind::feishu, "https://open.feishu.cn/open-apis/bot/v2/hook/x");
  robot.name = "项目群";
  robot.filters.categories = {"资金引导"};
  const std::string edit = web::endpoint_edit_page(handbook(), default_lead_menu(),
                                                   {robot, "/manage/TOKEN", web::form_of(robot), robot.name, {}});
  CHECK(has(edit, "name=\"action\" value=\"edit\""));
  CHECK(has(edit, "name=\"endpoint\" value=\"2\""));
  CHECK(has(edit, "value=\"项目群\""));
  CHECK(has(edit, "value=\"资金引导\" checked"));
  CHECK_FALSE(has(edit, "hook/x"));

  const std::string question = web::endpoint_delete_page(robot, "/manage/TOKEN");
  CHECK(has(question, "确定删除“项目群”（https://open.feishu.cn/…）吗？"));
  CHECK(has(question, "name=\"action\" value=\"delete\""));
  CHECK(has(question, "href=\"/manage/TOKEN\""));  // and a way back without deleting

  const std::string erase = web::erase_confirm_page("/manage/TOKEN");
  CHECK(has(erase, "name=\"action\" value=\"erase\""));
  CHECK(has(web::erased_page(), "全部信息已删除"));
}

TEST_CASE("a new webhook's signing key is shown once, whole, in a box that wraps") {
  web::ManagePageInput input = input_with({endpoint(1, EndpointKind::email, "caiwu@qiye.example.cn")});
  input.new_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const std::string html = page_of(input);
  CHECK(has(html, "<code id=\"new-secret\" class=\"secret-value\">whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw</code>"));
  CHECK(has(html, "readonly value=\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\""));
  CHECK(has(html, "只显示这一次"));
  CHECK(has(html, "overflow-wrap:anywhere"));
}
