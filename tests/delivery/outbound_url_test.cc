#include "delivery/outbound_url.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace deadline::delivery;

namespace {
const std::vector<std::string> kNoAllowList;
const std::vector<std::string> kTestAllowList = {"127.0.0.1"};
}  // namespace

TEST_CASE("an https robot URL is accepted with its parts") {
  const auto url = check_outbound_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-secret", kNoAllowList);
  REQUIRE_MESSAGE(url.ok(), url.error());
  CHECK(url->scheme == "https");
  CHECK(url->host == "qyapi.weixin.qq.com");
  CHECK(url->port == 443);
  CHECK_FALSE(url->allow_listed);
  CHECK(url->url == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-secret");

  const auto with_port = check_outbound_url("HTTPS://hooks.example.cn:8443/x", kNoAllowList);
  REQUIRE_MESSAGE(with_port.ok(), with_port.error());
  CHECK(with_port->scheme == "https");
  CHECK(with_port->port == 8443);
}

TEST_CASE("redacted keeps scheme and host only") {
  const auto url = check_outbound_url(
      "https://oapi.dingtalk.com:443/robot/send?access_token=0123456789abcdef#frag", kNoAllowList);
  REQUIRE_MESSAGE(url.ok(), url.error());
  CHECK(url->redacted() == "https://oapi.dingtalk.com");
  const auto feishu = check_outbound_url("https://open.feishu.cn/open-apis/bot/v2/hook/3f0e-secret", kNoAllowList);
  REQUIRE_MESSAGE(feishu.ok(), feishu.error());
  CHECK(feishu->redacted() == "https://open.feishu.cn");
  CHECK(feishu->redacted().find("secret") == std::string::npos);
}

TEST_CASE("http is refused unless the host is on the allow-list") {
  const auto refused = check_outbound_url("http://hooks.example.cn/x", kNoAllowList);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error() == "the URL's scheme is http: only https is allowed (http only for a host on the allow-list)");

  const auto loopback = check_outbound_url("http://127.0.0.1:8080/x", kNoAllowList);
  REQUIRE_FALSE(loopback.ok());
  CHECK(loopback.error() == "the URL's scheme is http: only https is allowed (http only for a host on the allow-list)");

  const auto allowed = check_outbound_url("http://127.0.0.1:8080/hook?key=k", kTestAllowList);
  REQUIRE_MESSAGE(allowed.ok(), allowed.error());
  CHECK(allowed->scheme == "http");
  CHECK(allowed->host == "127.0.0.1");
  CHECK(allowed->port == 8080);
  CHECK(allowed->allow_listed);
  CHECK(allowed->redacted() == "http://127.0.0.1");

  const auto default_port = check_outbound_url("http://LocalHost/x", {"localhost"});
  REQUIRE_MESSAGE(default_port.ok(), default_port.error());
  CHECK(default_port->port == 80);
  CHECK(default_port->allow_listed);
}

TEST_CASE("schemes other than http and https are refused") {
  for (const char* text : {"ftp://files.example.cn/x", "file:///etc/passwd", "gopher://x.example/", "ws://x.example/"}) {
    CAPTURE(text);
    const auto url = check_outbound_url(text, kTestAllowList);
    CHECK_FALSE(url.ok());
  }
  CHECK(check_outbound_url("ftp://files.example.cn/x", kNoAllowList).error() ==
        "the URL's scheme is ftp: only https is allowed");
  CHECK(check_outbound_url("hooks.example.cn/x", kNoAllowList).error() == "the URL does not start with https://");
}

TEST_CASE("user names and passwords before the host are refused") {
  for (const char* text : {"https://user:pass@hooks.example.cn/x", "https://user@hooks.example.cn/",
                           "https://:pass@hooks.example.cn/", "https://@hooks.example.cn/",
                           "https://hooks.example.cn:443@evil.example/", "https://u;auth=x@hooks.example.cn/",
                           "http://admin@127.0.0.1/"}) {
    CAPTURE(text);
    const auto url = check_outbound_url(text, kTestAllowList);
    REQUIRE_FALSE(url.ok());
    CHECK(url.error() == "the URL has a user name or password before the host (user:pass@): that is not allowed");
  }
}

TEST_CASE("whitespace and control characters are refused") {
  CHECK(check_outbound_url("https://hooks.example.cn/a b", kNoAllowList).error() == "the URL contains a space");
  CHECK(check_outbound_url(" https://hooks.example.cn/", kNoAllowList).error() == "the URL contains a space");
  CHECK(check_outbound_url("https://hooks.example.cn/\r\nHost: evil", kNoAllowList).error() ==
        "the URL contains a control character (0x0D)");
  CHECK(check_outbound_url("https://hooks.example.cn/\t", kNoAllowList).error() ==
        "the URL contains a control character (0x09)");
  CHECK(check_outbound_url("https://hooks.example.cn/\x7f", kNoAllowList).error() ==
        "the URL contains a control character (0x7F)");
  CHECK(check_outbound_url(std::string_view("https://hooks.example.cn/\0x", 27), kNoAllowList).error() ==
        "the URL contains a control character (0x00)");
  CHECK(check_outbound_url("https://hooks.example.cn%0a/", kNoAllowList).error() == "the URL is not valid: Bad hostname");
}

TEST_CASE("length and empty parts are checked") {
  const std::string base = "https://hooks.example.cn/";
  const std::string longest = base + std::string(kMaxOutboundUrlBytes - base.size(), 'a');
  CHECK(check_outbound_url(longest, kNoAllowList).ok());
  CHECK(check_outbound_url(longest + "a", kNoAllowList).error() == "the URL is 2049 bytes long: at most 2048 are allowed");
  CHECK(check_outbound_url("", kNoAllowList).error() == "the URL is empty");
  CHECK(check_outbound_url("https://", kNoAllowList).error() == "the URL has no host");
  CHECK(check_outbound_url("https://:443/x", kNoAllowList).error() == "the URL has no host");
  CHECK(check_outbound_url("https:///hooks.example.cn/x", kNoAllowList).error() ==
        "the URL must have // and then the host after https:");
  CHECK(check_outbound_url("https:/hooks.example.cn/x", kNoAllowList).error() ==
        "the URL must have // and then the host after https:");
  CHECK(check_outbound_url("https://hooks.example.cn:0/x", kNoAllowList).error() ==
        "the URL's port is not a number from 1 to 65535");
  CHECK_FALSE(check_outbound_url("https://hooks.example.cn:65536/x", kNoAllowList).ok());
}

TEST_CASE("IPv6 literal hosts keep their brackets") {
  const auto url = check_outbound_url("https://[2400:3200::1]:8443/hook?k=v", kNoAllowList);
  REQUIRE_MESSAGE(url.ok(), url.error());
  CHECK(url->host == "[2400:3200::1]");
  CHECK(url->port == 8443);
  CHECK(url->redacted() == "https://[2400:3200::1]");

  const auto loopback = check_outbound_url("https://[::1]/x", kNoAllowList);
  REQUIRE_FALSE(loopback.ok());
  CHECK(loopback.error() == "the URL's host [::1] is not reachable: loopback (::1)");

  for (const char* entry : {"[::1]", "::1"}) {
    CAPTURE(entry);
    const auto allowed = check_outbound_url("http://[::1]:9000/x", {entry});
    REQUIRE_MESSAGE(allowed.ok(), allowed.error());
    CHECK(allowed->allow_listed);
    CHECK(allowed->redacted() == "http://[::1]");
  }

  CHECK(check_outbound_url("https://[fe80::1%25eth0]/x", kNoAllowList).error() ==
        "the URL's host has an IPv6 zone id: that is not allowed");
  CHECK(check_outbound_url("https://[::ffff:10.0.0.1]/x", kNoAllowList).error() ==
        "the URL's host [::ffff:10.0.0.1] is not reachable: private (10.0.0.0/8) via IPv4-mapped IPv6 (::ffff:0:0/96)");
}

TEST_CASE("numeric hosts that are not globally routable are refused early") {
  CHECK(check_outbound_url("https://10.0.0.1/x", kNoAllowList).error() ==
        "the URL's host 10.0.0.1 is not reachable: private (10.0.0.0/8)");
  CHECK(check_outbound_url("https://169.254.169.254/latest/meta-data", kNoAllowList).error() ==
        "the URL's host 169.254.169.254 is not reachable: link-local (169.254.0.0/16)");
  // libcurl reads other spellings of IPv4 as dotted quads; the check sees what libcurl will use.
  CHECK(check_outbound_url("https://2130706433/x", kNoAllowList).error() ==
        "the URL's host 127.0.0.1 is not reachable: loopback (127.0.0.0/8)");
  CHECK(check_outbound_url("https://0x7f.1/x", kNoAllowList).error() ==
        "the URL's host 127.0.0.1 is not reachable: loopback (127.0.0.0/8)");
  CHECK(check_outbound_url("https://127.0.0.1/x", kTestAllowList).ok());
  CHECK(check_outbound_url("https://8.8.8.8/x", kNoAllowList).ok());
}

TEST_CASE("errors never quote the URL path or query") {
  for (const char* text : {"http://hooks.example.cn/robot?key=SECRET", "https://u:SECRET@hooks.example.cn/",
                           "https://10.0.0.1/robot?key=SECRET", "ftp://hooks.example.cn/SECRET",
                           "https://hooks.example.cn/SECRET\n"}) {
    CAPTURE(text);
    const auto url = check_outbound_url(text, kNoAllowList);
    REQUIRE_FALSE(url.ok());
    CHECK(url.error().find("SECRET") == std::string::npos);
  }
}

TEST_CASE("redact_url keeps scheme and host of any stored address") {
  CHECK(deadline::delivery::redact_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET") ==
        "https://qyapi.weixin.qq.com");
  CHECK(deadline::delivery::redact_url("http://user:pw@127.0.0.1:8080/hook#x") == "http://127.0.0.1");
  CHECK(deadline::delivery::redact_url("https://[2400:3200::1]:443/a") == "https://[2400:3200::1]");
  CHECK(deadline::delivery::redact_url("no scheme") == "(not a URL)");
}

TEST_CASE("allow_hosts matches the host libcurl reads and connects to, not the URL as written") {
  // docs/configuration.md: libcurl reads every IPv4 form as dotted decimal, so an allow-listed
  // 127.0.0.1 also allows these (issue 21 §7: the docs used to say "as written").
  for (const char* text : {"https://2130706433/", "https://0x7f000001/", "https://127.1/", "https://017700000001/",
                           "http://127.0.0.1/"}) {
    CAPTURE(text);
    const auto url = check_outbound_url(text, kTestAllowList);
    REQUIRE_MESSAGE(url.ok(), url.error());
    CHECK(url->host == "127.0.0.1");
    CHECK(url->allow_listed);
  }
  // Without the allow-list the same forms are the loopback address they read as.
  CHECK(check_outbound_url("https://2130706433/", kNoAllowList).error() ==
        "the URL's host 127.0.0.1 is not reachable: loopback (127.0.0.0/8)");
  // A name is compared as a name, never resolved: localhost is not 127.0.0.1, nor the reverse.
  CHECK_FALSE(check_outbound_url("https://localhost/", kTestAllowList)->allow_listed);
  CHECK_FALSE(check_outbound_url("https://127.0.0.1/", {"localhost"}).ok());
}

TEST_CASE("inspect_outbound_url gives each refusal its code") {
  using T = TargetRefusal;
  const struct {
    const char* url;
    T reason;
  } cases[] = {{"", T::url_empty},
               {"https://[::1]/hook", T::url_not_public},
               {"https://user:pass@host/x", T::url_user_info},
               {"https://[::ffff:127.0.0.1]:28391/x", T::url_not_public},
               {"http://10.0.0.1/hook", T::url_http},
               {"https:/hooks.example.cn/x", T::url_no_slashes},
               {"ftp://hooks.example.cn/x", T::url_not_web},
               {"https://hooks.example.cn:0/x", T::url_bad_port},
               {"https://hooks.example.cn/\n", T::url_has_control},
               {"https://hooks.example.cn/x", T::none}};
  for (const auto& c : cases) {
    CAPTURE(c.url);
    const OutboundUrlCheck checked = inspect_outbound_url(c.url, kNoAllowList);
    CHECK(checked.refusal == c.reason);
    CHECK(checked.result.ok() == (c.reason == T::none));
  }
  CHECK(inspect_outbound_url("https://[::1]/hook", kNoAllowList).host == "::1");
  CHECK(inspect_outbound_url("https://2130706433/", kNoAllowList).host == "127.0.0.1");
  CHECK(std::string(2100, 'a').size() > kMaxOutboundUrlBytes);
  CHECK(inspect_outbound_url("https://h.example.cn/" + std::string(2100, 'a'), kNoAllowList).refusal == T::url_too_long);
}
