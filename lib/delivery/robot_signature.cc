#include "delivery/robot_signature.h"

#include "base/base64.h"
#include "base/url_encode.h"
#include "base/hmac.h"

namespace deadline::delivery {

std::int64_t unix_seconds(Instant at) { return at.time_since_epoch().count(); }
std::int64_t unix_milliseconds(Instant at) { return unix_seconds(at) * 1000; }

std::string dingtalk_sign(std::string_view secret, std::int64_t timestamp_ms) {
  const std::string to_sign = std::to_string(timestamp_ms) + "\n" + std::string(secret);
  return base64_encode(hmac_sha256(secret, to_sign));
}

std::string dingtalk_signed_url(std::string_view url, std::string_view secret, Instant now) {
  const std::int64_t timestamp = unix_milliseconds(now);
  std::string out(url);
  // A URL without a query gets one; one that ends in '?' or '&' needs no separator.
  if (out.find('?') == std::string::npos) {
    out += '?';
  } else if (out.back() != '?' && out.back() != '&') {
    out += '&';
  }
  out += "timestamp=" + std::to_string(timestamp) + "&sign=" + url_encode(dingtalk_sign(secret, timestamp));
  return out;
}

std::string feishu_sign(std::string_view secret, std::int64_t timestamp_s) {
  const std::string key = std::to_string(timestamp_s) + "\n" + std::string(secret);
  return base64_encode(hmac_sha256(key, ""));
}


}  // namespace deadline::delivery
