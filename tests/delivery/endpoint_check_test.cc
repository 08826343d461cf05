// endpoint_target_problem (delivery/endpoint_check.h): each refusal says its real reason, as a
// code the pages word in Chinese (wording::endpoint_refusal_text) and as technical English for
// the JSON API and the log. Issue 21: each of these used to be "expected an http:// or https:// URL".

#include "delivery/endpoint_check.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "wording/delivery_wording.h"

using namespace deadline;
using namespace deadline::delivery;

namespace {

const std::vector<std::string> kNoAllowList;

struct Example {
  const char* what;
  EndpointKind kind;
  std::string address;
  std::string secret;
  TargetRefusal reason;
  EndpointTargetProblem::Field field;
  const char* detail;   // in the technical message
  const char* chinese;  // in the Chinese text
};

std::vector<Example> examples() {
  using F = EndpointTargetProblem::Field;
  using T = TargetRefusal;
  const std::string long_url = "https://hooks.example.cn/" + std::string(2100 - 25, 'a');
  return {
      {"IPv6 loopback", EndpointKind::webhook, "https://[::1]/hook", "", T::url_not_public, F::address,
       "the URL's host [::1] is not reachable: loopback", "这个地址指向内网或本机（::1），提醒无法送达。请填写可从互联网访问的 https 地址。"},
      {"user and password", EndpointKind::webhook, "https://user:pass@host/x", "", T::url_user_info, F::address,
       "user name or password before the host", "用户名或密码"},
      {"2,100 characters", EndpointKind::webhook, long_url, "", T::url_too_long, F::address,
       "the URL is 2100 bytes long: at most 2048 are allowed", "太长"},
      {"localhost with a final dot", EndpointKind::webhook, "https://localhost./x", "", T::url_local_name, F::address,
       "is a localhost name", "这个地址指向本机（localhost.）"},
      {"IPv4-mapped loopback with a port", EndpointKind::webhook, "https://[::ffff:127.0.0.1]:28391/x", "",
       T::url_not_public, F::address, "via IPv4-mapped IPv6", "内网或本机（::ffff:127.0.0.1）"},
      {"plain http to a private address", EndpointKind::webhook, "http://10.0.0.1/hook", "", T::url_http, F::address,
       "the URL's scheme is http: only https is allowed", "不接受不加密的 http 地址"},
      {"a bad webhook secret", EndpointKind::webhook, "https://hooks.example.cn/x", "whsec_abc",
       T::webhook_secret_malformed, F::secret, "webhook secret after \"whsec_\" is not base64", "whsec_ 开头"},
      {"a DingTalk secret without SEC", EndpointKind::dingtalk, "https://oapi.dingtalk.com/robot/send?access_token=t",
       "abc123", T::dingtalk_secret_prefix, F::secret, "starts with \"SEC\"", "应以 SEC 开头"},
      {"a WeCom URL without its key", EndpointKind::wecom, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", "",
       T::wecom_no_key, F::address, "carries its key", "缺少 key 参数"},
      {"a WeCom secret", EndpointKind::wecom, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "s",
       T::wecom_secret_given, F::secret, "has no secret", "不需要密钥"},
      {"a Feishu URL without its hook id", EndpointKind::feishu, "https://open.feishu.cn/open-apis/bot/v2/hook/", "",
       T::feishu_no_hook, F::address, "ends in its hook id", "飞书机器人地址不完整"},
      {"ftp", EndpointKind::webhook, "ftp://hooks.example.cn/x", "", T::url_not_web, F::address, "scheme is ftp",
       "须以 https:// 开头"},
      {"a space", EndpointKind::webhook, "https://hooks.example.cn/a b", "", T::url_has_space, F::address,
       "contains a space", "空格"},
      {"a zone id", EndpointKind::webhook, "https://[fe80::1%25eth0]/", "", T::url_zone_id, F::address, "zone id",
       "网卡标识"},
      {"a private IPv4", EndpointKind::webhook, "https://192.168.1.10/hook", "", T::url_not_public, F::address,
       "private (192.168.0.0/16)", "内网或本机（192.168.1.10）"},
      {"a name under localhost", EndpointKind::feishu, "https://a.localhost/open-apis/bot/v2/hook/x", "",
       T::url_local_name, F::address, "is a localhost name", "指向本机"},
  };
}

}  // namespace

TEST_CASE("endpoint_target_problem: the real reason for each refused address or secret, as code, detail and Chinese") {
  for (const Example& e : examples()) {
    CAPTURE(e.what);
    const EndpointTargetProblem p = endpoint_target_problem(e.kind, e.address, e.secret, kNoAllowList);
    CHECK(p.reason == e.reason);
    CHECK(p.field == e.field);
    CHECK_MESSAGE(p.message.find(e.detail) != std::string::npos, p.message);
    CHECK(p.message.find("expected an http:// or https:// URL") == std::string::npos);
    const std::string chinese = wording::endpoint_refusal_text(p.reason, p.host);
    CHECK_MESSAGE(chinese.find(e.chinese) != std::string::npos, chinese);
    CHECK(chinese.find("the URL") == std::string::npos);
    // The stored technical sentence (a needs_attention reason, the log) is worded the same way.
    CHECK(wording::refusal_in(p.message) == p.reason);
  }
}

TEST_CASE("endpoint_target_problem without the allow-list judges the form only: deadlinectl's offline check") {
  // The host's reachability is the daemon's question (deadlinectl does not read allow_hosts).
  CHECK(endpoint_target_problem(EndpointKind::webhook, "http://127.0.0.1:8080/hook", "").message.empty());
  CHECK(endpoint_target_problem(EndpointKind::webhook, "https://localhost./x", "").message.empty());
  // The form is still judged, with the same codes.
  CHECK(endpoint_target_problem(EndpointKind::webhook, "https://user:pass@host/x", "").reason ==
        TargetRefusal::url_user_info);
  CHECK(endpoint_target_problem(EndpointKind::webhook, "https://[::1]/hook", "whsec_abc").reason ==
        TargetRefusal::webhook_secret_malformed);
  CHECK(endpoint_target_problem(EndpointKind::email, "not-an-address", "").reason == TargetRefusal::email_invalid);
}

TEST_CASE("endpoint_target_problem with the allow-list accepts what the dispatcher will send to") {
  const std::vector<std::string> tests = {"127.0.0.1", "localhost"};
  CHECK(endpoint_target_problem(EndpointKind::webhook, "http://127.0.0.1:8080/hook", "", tests).message.empty());
  CHECK(endpoint_target_problem(EndpointKind::webhook, "http://localhost:8080/hook", "", tests).message.empty());
  CHECK(endpoint_target_problem(EndpointKind::webhook, "https://hooks.example.cn/x",
                                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", kNoAllowList)
            .message.empty());
  CHECK(endpoint_target_problem(EndpointKind::dingtalk, "https://oapi.dingtalk.com/robot/send?access_token=t", "SECabc",
                                kNoAllowList)
            .message.empty());
}
