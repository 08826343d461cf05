// The robots' signatures against vectors computed independently of this code, with Python's
// standard library (/usr/bin/python3, hmac + hashlib + base64 + urllib.parse), once:
//
//   import hmac, hashlib, base64, urllib.parse
//   s = "SEC1f2e3d4c5b6a79880123456789abcdef0123456789abcdef0123456789abcdef"
//   base64.b64encode(hmac.new(s.encode(), f"{ts}\n{s}".encode(), hashlib.sha256).digest())   # DingTalk
//   urllib.parse.quote(sign, safe="")                                                       # its query value
//   base64.b64encode(hmac.new(f"{ts}\n{secret}".encode(), b"", hashlib.sha256).digest())    # Feishu

#include <doctest/doctest.h>

#include "base/base64.h"
#include "base/hmac.h"
#include "base/url_encode.h"
#include "delivery/robot_signature.h"

using namespace deadline;
using namespace deadline::delivery;

namespace {

std::string hex(std::string_view bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    out += digits[static_cast<unsigned char>(c) >> 4];
    out += digits[static_cast<unsigned char>(c) & 0x0F];
  }
  return out;
}

const std::string kDingTalkSecret = "SEC1f2e3d4c5b6a79880123456789abcdef0123456789abcdef0123456789abcdef";

}  // namespace

TEST_CASE("hmac_sha256 matches RFC 4231 test case 2 and the empty key and message") {
  CHECK(hex(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(hex(hmac_sha256("", "")) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST_CASE("DingTalk sign - key is the secret and the message is timestamp newline secret") {
  CHECK(dingtalk_sign(kDingTalkSecret, 1729126800000) == "yod265PtskA9ZWlSHIAaHwxcZ7wxTnobmJhhJXh0OZs=");
  CHECK(dingtalk_sign(kDingTalkSecret, 1729126805000) == "eW1/FhMPS9XuZFD2Mc6jBzjT4TPBmgQx+2/Nx6XkAHU=");
}

TEST_CASE("DingTalk signed URL - timestamp in milliseconds and the sign URL-encoded in the query") {
  const Instant now{std::chrono::seconds{1729126805}};
  CHECK(dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=abc", kDingTalkSecret, now) ==
        "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1729126805000"
        "&sign=eW1%2FFhMPS9XuZFD2Mc6jBzjT4TPBmgQx%2B2%2FNx6XkAHU%3D");
  CHECK(dingtalk_signed_url("http://127.0.0.1:9/robot/send", kDingTalkSecret, now) ==
        "http://127.0.0.1:9/robot/send?timestamp=1729126805000&sign=eW1%2FFhMPS9XuZFD2Mc6jBzjT4TPBmgQx%2B2%2FNx6XkAHU%3D");
  CHECK(dingtalk_signed_url("https://h/robot/send?access_token=abc&", kDingTalkSecret, now)
            .starts_with("https://h/robot/send?access_token=abc&timestamp="));
}

TEST_CASE("Feishu sign - key is timestamp newline secret and the message is empty") {
  CHECK(feishu_sign("qWeRtY1234567890abcdEF", 1729126800) == "efyyLBReu1KPisJrazzhl/71GDqAaTGCDFgXXOxHZrQ=");
  CHECK(feishu_sign("密钥", 1729126800) == "2LrkHxr67SaANkh/9BSYH6W55ZM+xBtzzTsEPVTMzQI=");
  // The other way round (the secret as key, as DingTalk does) gives another value.
  CHECK(base64_encode(hmac_sha256("qWeRtY1234567890abcdEF", "1729126800\nqWeRtY1234567890abcdEF")) !=
        feishu_sign("qWeRtY1234567890abcdEF", 1729126800));
}

TEST_CASE("url_encode keeps only RFC 3986 unreserved characters") {
  CHECK(url_encode("aZ09-._~") == "aZ09-._~");
  CHECK(url_encode("a+b/c=d e&") == "a%2Bb%2Fc%3Dd%20e%26");
  CHECK(url_encode("密") == "%E5%AF%86");
}

TEST_CASE("timestamps - seconds and milliseconds of an instant") {
  const Instant at{std::chrono::seconds{1729126800}};
  CHECK(unix_seconds(at) == 1729126800);
  CHECK(unix_milliseconds(at) == 1729126800000);
}
