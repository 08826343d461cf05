// The three robot channels: the request each builds (against the bundled handbook) and the
// verdict each reads from every reply the platforms document.

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "calendar/loader.h"
#include "delivery/dingtalk_channel.h"
#include "delivery/feishu_channel.h"
#include "delivery/robot_signature.h"
#include "delivery/wecom_channel.h"
#include "test_support.h"
#include "time/iso8601.h"

using namespace deadline;
using namespace deadline::delivery;

namespace {

using test::handbook;

const Instant kNow = *parse_iso8601("2024-10-17T09:00+08:00");

// The docs/webhooks.md example: two reminders due together, the later one an estimate.
store::OutboundMessage message(EndpointKind kind, std::string address, std::string secret = {}) {
  store::OutboundMessage m;
  m.id = "5f0c3f6f2a6b4d1e9c8b7a6f5e4d3c2b";
  m.endpoint_id = 1;
  m.kind = kind;
  m.address = std::move(address);
  m.secret = std::move(secret);
  m.attempts = 1;
  for (const auto& [id, lead] : {std::pair{"high-end-medical-equipment-promotion/apply/2024", "14d"},
                                 std::pair{"jiangsu-specialised-sme-2024-batch2/apply/2024", "1d"}}) {
    const Window* window = handbook().find_window(id);
    REQUIRE(window);
    m.items.push_back({id, lead, window->closes.at});
  }
  return m;
}

HttpResult reply(long status, std::string body) {
  HttpResult r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

const RobotChannelOptions kOptions{std::chrono::milliseconds{1000}, std::chrono::milliseconds{2000}, 1024, {"127.0.0.1"}};

}  // namespace

TEST_CASE("WeCom builds one markdown message listing the whole digest") {
  const WeComChannel channel(kOptions);
  const auto request = channel.build(message(EndpointKind::wecom, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"),
                                     handbook(), kNow);
  REQUIRE(request.ok());
  CHECK(request->url == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k");
  CHECK(request->headers == std::vector<std::string>{"Content-Type: application/json; charset=utf-8"});
  CHECK(request->total_timeout == std::chrono::milliseconds{2000});
  CHECK(request->allow_hosts == std::vector<std::string>{"127.0.0.1"});
  const auto body = nlohmann::json::parse(request->body);
  CHECK(body.size() == 2);
  CHECK(body["msgtype"] == "markdown");
  const std::string content = body["markdown"]["content"];
  CHECK(content.size() <= kWeComMaxContentBytes);
  const std::size_t sme = content.find("### 1. 省级专精特新中小企业（2024年第二批）");
  const std::size_t medical = content.find("### 2. 高端医疗装备推广应用项目");
  REQUIRE(sme != std::string::npos);
  REQUIRE(medical != std::string::npos);
  CHECK(content.find("预计2024年") != std::string::npos);
  CHECK(content.find("> 10月18日24:00时系统关闭企业填报提交功能") != std::string::npos);
  CHECK(channel.rate_limits() == std::vector<RateLimit>{{20, std::chrono::seconds{60}}});
}

TEST_CASE("robot build - a message whose windows left the calendar is not sent") {
  store::OutboundMessage m = message(EndpointKind::wecom, "https://q/x?key=k");
  m.items[0].closes += std::chrono::hours{1};    // the close moved: a newer trigger covers it
  m.items[1].window_id = "no-such/apply/2024";   // gone
  CHECK_FALSE(WeComChannel(kOptions).build(m, handbook(), kNow).ok());
  CHECK_FALSE(FeishuChannel(kOptions).build(m, handbook(), kNow).ok());
  m.items.pop_back();
  m.items[0].closes -= std::chrono::hours{1};
  const auto one = WeComChannel(kOptions).build(m, handbook(), kNow);
  REQUIRE(one.ok());
  CHECK(one->body.find("高端医疗装备推广应用项目") != std::string::npos);
  CHECK(one->body.find("专精特新") == std::string::npos);
}

TEST_CASE("WeCom verdicts - errcode 0 only - 45009 backs off - 93000 needs attention") {
  const WeComChannel channel(kOptions);
  CHECK(channel.judge(reply(200, R"({"errcode":0,"errmsg":"ok"})")).kind == Verdict::Kind::delivered);
  const Verdict limited = channel.judge(reply(200, R"({"errcode":45009,"errmsg":"api freq out of limit"})"));
  CHECK(limited.kind == Verdict::Kind::retry);
  CHECK(limited.wait_at_least == std::chrono::seconds{60});
  CHECK(limited.error == "WeCom errcode 45009: api freq out of limit");
  const Verdict key = channel.judge(reply(200, R"({"errcode":93000,"errmsg":"invalid webhook url, hint: [x]"})"));
  CHECK(key.kind == Verdict::Kind::misconfigured);
  CHECK(key.error == "WeCom errcode 93000: invalid webhook url, hint: [x]");
  const Verdict other = channel.judge(reply(200, R"({"errcode":-1,"errmsg":"system busy"})"));
  CHECK(other.kind == Verdict::Kind::retry);
  CHECK_FALSE(other.wait_at_least.has_value());
}

TEST_CASE("robot verdicts - a 2xx alone is not success") {
  const WeComChannel wecom(kOptions);
  const DingTalkChannel dingtalk(kOptions);
  const FeishuChannel feishu(kOptions);
  for (const Channel* channel : std::initializer_list<const Channel*>{&wecom, &dingtalk, &feishu}) {
    CAPTURE(to_string(channel->kind()));
    for (const char* body : {"", "ok", "<html>502</html>", "[]", R"({"errmsg":"ok"})", R"({"errcode":"0","code":"0"})",
                             R"({"errcode":0.5,"code":0.5})", R"({"errcode":0,"code":0)"}) {
      CAPTURE(body);
      CHECK(channel->judge(reply(200, body)).kind == Verdict::Kind::retry);
    }
    CHECK(channel->judge(reply(500, R"({"errcode":0,"code":0})")).kind == Verdict::Kind::retry);
    CHECK(channel->judge(reply(302, "")).kind == Verdict::Kind::retry);
    HttpResult transport;
    transport.error = "Timeout was reached";
    CHECK(channel->judge(transport).kind == Verdict::Kind::retry);
    HttpResult refused;
    refused.error = "the URL's scheme is http: only https is allowed";
    refused.refused_by_policy = true;
    CHECK(channel->judge(refused).kind == Verdict::Kind::misconfigured);
  }
}

TEST_CASE("robot verdicts - the platform's message is cut at a character boundary") {
  std::string long_message;
  for (int i = 0; i < 200; ++i) long_message += "错";
  const Verdict v = DingTalkChannel(kOptions).judge(reply(200, R"({"errcode":310000,"errmsg":")" + long_message + "\"}"));
  CHECK(v.kind == Verdict::Kind::misconfigured);
  CHECK(v.error.starts_with("DingTalk errcode 310000: 错错"));
  CHECK(v.error.ends_with("错…"));
  CHECK(v.error.size() <= std::string("DingTalk errcode 310000: ").size() + 200 + 3);
}

TEST_CASE("DingTalk signs in the query with the timestamp in milliseconds") {
  const DingTalkChannel channel(kOptions);
  const std::string secret = "SEC1f2e3d4c5b6a79880123456789abcdef0123456789abcdef0123456789abcdef";
  const Instant now{std::chrono::seconds{1729126805}};
  const auto signed_request =
      channel.build(message(EndpointKind::dingtalk, "https://oapi.dingtalk.com/robot/send?access_token=t", secret),
                    handbook(), now);
  REQUIRE(signed_request.ok());
  // The sign is the vector of robot_signature_test.cc (Python's hmac), URL-encoded.
  CHECK(signed_request->url ==
        "https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1729126805000"
        "&sign=eW1%2FFhMPS9XuZFD2Mc6jBzjT4TPBmgQx%2B2%2FNx6XkAHU%3D");
  const auto body = nlohmann::json::parse(signed_request->body);
  CHECK(body["msgtype"] == "markdown");
  CHECK(body["markdown"]["title"] == "申报截止提醒（2 项）");
  CHECK(std::string(body["markdown"]["text"]).find("  \n") != std::string::npos);
  const auto unsigned_request =
      channel.build(message(EndpointKind::dingtalk, "https://oapi.dingtalk.com/robot/send?access_token=t"), handbook(), now);
  REQUIRE(unsigned_request.ok());
  CHECK(unsigned_request->url == "https://oapi.dingtalk.com/robot/send?access_token=t");
  CHECK_FALSE(channel.build(message(EndpointKind::dingtalk, "https://o/robot/send?access_token=t", "whsec_x"),
                            handbook(), now).ok());
  CHECK(channel.rate_limits() == std::vector<RateLimit>{{20, std::chrono::seconds{60}}});
}

TEST_CASE("DingTalk verdicts - 130101 waits out the 10-minute throttle - 310000 needs attention") {
  const DingTalkChannel channel(kOptions);
  CHECK(channel.judge(reply(200, R"({"errcode":0,"errmsg":"ok"})")).kind == Verdict::Kind::delivered);
  const Verdict fast = channel.judge(reply(200, R"({"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"})"));
  CHECK(fast.kind == Verdict::Kind::retry);
  CHECK(fast.wait_at_least == std::chrono::seconds{600});
  for (const char* why : {"keywords not in content", "sign not match", "ip X.X.X.X not in whitelist"}) {
    const Verdict v = channel.judge(reply(200, std::string(R"({"errcode":310000,"errmsg":")") + why + "\"}"));
    CHECK(v.kind == Verdict::Kind::misconfigured);
    CHECK(v.error == std::string("DingTalk errcode 310000: ") + why);
  }
  CHECK(channel.judge(reply(200, R"({"errcode":-1,"errmsg":"busy"})")).kind == Verdict::Kind::retry);
}

TEST_CASE("Feishu signs in the body with the timestamp in seconds and sends a markdown card") {
  const FeishuChannel channel(kOptions);
  const Instant now{std::chrono::seconds{1729126800}};
  const auto request = channel.build(
      message(EndpointKind::feishu, "https://open.feishu.cn/open-apis/bot/v2/hook/h", "qWeRtY1234567890abcdEF"),
      handbook(), now);
  REQUIRE(request.ok());
  CHECK(request->url == "https://open.feishu.cn/open-apis/bot/v2/hook/h");
  const auto body = nlohmann::json::parse(request->body);
  CHECK(body["timestamp"] == "1729126800");
  CHECK(body["sign"] == "efyyLBReu1KPisJrazzhl/71GDqAaTGCDFgXXOxHZrQ=");  // robot_signature_test.cc's vector
  CHECK(body["msg_type"] == "interactive");
  CHECK(body["card"]["header"]["title"]["content"] == "申报截止提醒（2 项）");
  REQUIRE(body["card"]["elements"].size() == 1);
  CHECK(body["card"]["elements"][0]["tag"] == "markdown");
  const std::string content = body["card"]["elements"][0]["content"];
  CHECK(content.find("**1. 省级专精特新中小企业（2024年第二批）**") != std::string::npos);
  const auto unsigned_request =
      channel.build(message(EndpointKind::feishu, "https://open.feishu.cn/open-apis/bot/v2/hook/h"), handbook(), now);
  REQUIRE(unsigned_request.ok());
  const auto plain = nlohmann::json::parse(unsigned_request->body);
  CHECK_FALSE(plain.contains("sign"));
  CHECK_FALSE(plain.contains("timestamp"));
  CHECK(channel.rate_limits() ==
        std::vector<RateLimit>{{5, std::chrono::seconds{1}}, {100, std::chrono::seconds{60}}});
}

TEST_CASE("Feishu verdicts - signature IP and keyword need attention - 11232 backs off") {
  const FeishuChannel channel(kOptions);
  CHECK(channel.judge(reply(200, R"({"code":0,"msg":"success","data":{}})")).kind == Verdict::Kind::delivered);
  CHECK(channel.judge(reply(200, R"({"Extra":null,"StatusCode":0,"StatusMessage":"success"})")).kind ==
        Verdict::Kind::delivered);
  for (const int code : {19021, 19022, 19024}) {
    const Verdict v = channel.judge(reply(200, R"({"code":)" + std::to_string(code) + R"(,"msg":"refused","data":{}})"));
    CAPTURE(code);
    CHECK(v.kind == Verdict::Kind::misconfigured);
    CHECK(v.error == "Feishu code " + std::to_string(code) + ": refused");
  }
  const Verdict limited = channel.judge(reply(200, R"({"code":11232,"msg":"frequency limited psm[x]","data":{}})"));
  CHECK(limited.kind == Verdict::Kind::retry);
  CHECK(limited.wait_at_least == std::chrono::seconds{60});
  CHECK(channel.judge(reply(200, R"({"code":9499,"msg":"Bad Request","data":{}})")).kind == Verdict::Kind::retry);
  // A code in an error status still decides when it is a known one.
  CHECK(channel.judge(reply(400, R"({"code":19021,"msg":"sign match fail"})")).kind == Verdict::Kind::misconfigured);
}
