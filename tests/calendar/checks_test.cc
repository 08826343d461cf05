#include "calendar/checks.h"

#include <doctest/doctest.h>

#include <string>

using namespace deadline;

TEST_CASE("ids and window keys use a small ASCII alphabet") {
  CHECK(is_valid_id("first-set-equipment-insurance"));
  CHECK(is_valid_id("jiangsu-2024q4"));
  CHECK_FALSE(is_valid_id(""));
  CHECK_FALSE(is_valid_id("-leading-dash"));
  CHECK_FALSE(is_valid_id("Upper"));
  CHECK_FALSE(is_valid_id("has space"));
  CHECK_FALSE(is_valid_id("首台"));
  CHECK_FALSE(is_valid_id(std::string(65, 'a')));
  CHECK(is_valid_window_key("authority-submit"));
  CHECK_FALSE(is_valid_window_key(std::string(33, 'a')));
}

TEST_CASE("phones carry their area code") {
  CHECK(is_valid_phone("010-68205634"));
  CHECK(is_valid_phone("025-69652765"));
  CHECK(is_valid_phone("0512-6820563"));
  CHECK_FALSE(is_valid_phone("68205766"));       // area code missing
  CHECK_FALSE(is_valid_phone("010-6820"));
  CHECK_FALSE(is_valid_phone("10-68205634"));
  CHECK_FALSE(is_valid_phone("010 68205634"));
}

TEST_CASE("links are absolute http(s) URLs without spaces or control characters") {
  CHECK(is_valid_link("https://policy.smejs.cn/frontend/policy-service/8c299b69d6994c5aa93f8a5e23473daa"));
  CHECK(is_valid_link("http://www.samr.gov.cn/zlfzj/"));
  CHECK(is_valid_link("https://example.cn:8443"));
  CHECK_FALSE(is_valid_link("ftp://example.cn/x"));
  CHECK_FALSE(is_valid_link("https:///path"));
  CHECK_FALSE(is_valid_link("https://example.cn/a b"));
  CHECK_FALSE(is_valid_link("https://example.cn/\r\nX-Injected: 1"));
  CHECK_FALSE(is_valid_link("policy.smejs.cn/frontend"));
}

TEST_CASE("submission systems and forms pages are host names or http(s) URLs") {
  CHECK(is_valid_host_or_url("https://xclcygx-miit.gov.cn"));
  CHECK(is_valid_host_or_url("https://www.jszfw.gov.cn/col/col140127/index.html"));
  CHECK(is_valid_host_or_url("http://www.samr.gov.cn/zlfzj/"));
  CHECK(is_valid_host_or_url("jszwfw.gov.cn"));
  CHECK(is_valid_host_or_url("kjhh.kxjst.jiangsu.gov.cn"));
  CHECK_FALSE(is_valid_host_or_url("江苏政务服务网"));
  CHECK_FALSE(is_valid_host_or_url("localhost"));          // no dot: not a public host as printed
  CHECK_FALSE(is_valid_host_or_url("ftp://example.cn/x"));
  CHECK_FALSE(is_valid_host_or_url("example.cn/path"));    // a path needs its scheme
  CHECK_FALSE(is_valid_host_or_url("-bad.example.cn"));
  CHECK_FALSE(is_valid_host_or_url("https://example.cn/a b"));
}

TEST_CASE("mailboxes are name@host") {
  CHECK(is_valid_mailbox("yaoxincheng@caict.ac.cn"));
  CHECK(is_valid_mailbox("dipa@jingjinji.cn"));
  CHECK(is_valid_mailbox("05100232@163.com"));
  CHECK_FALSE(is_valid_mailbox("apply at example.cn"));
  CHECK_FALSE(is_valid_mailbox("apply@example"));
  CHECK_FALSE(is_valid_mailbox("@example.cn"));
  CHECK_FALSE(is_valid_mailbox("a@b@example.cn"));
  CHECK_FALSE(is_valid_mailbox("mailto:apply@example.cn"));
  CHECK_FALSE(is_valid_mailbox("apply@example.cn\r\nBcc: x@example.cn"));
}
