#pragma once
// The signatures of the chat robots that have one (docs/robots.md, "Signatures"). Both are
// HMAC-SHA256 over the timestamp and the secret, base64-encoded; they differ in which is the key:
//
//   DingTalk  sign = urlencode(base64(HMAC-SHA256(key = secret, message = timestamp + "\n" + secret)))
//             timestamp in milliseconds; both go in the query string (…&timestamp=…&sign=…)
//   Feishu    sign = base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = ""))
//             timestamp in seconds; both go in the JSON body ("timestamp": "…", "sign": "…")
//
// Both platforms refuse a timestamp more than an hour from their clock.

#include <cstdint>
#include <string>
#include <string_view>

#include "time/instant.h"

namespace deadline::delivery {

// A DingTalk robot's secret as the robot's settings page shows it: "SEC" and more.
inline constexpr std::string_view kDingTalkSecretPrefix = "SEC";

std::int64_t unix_milliseconds(Instant at);
std::int64_t unix_seconds(Instant at);

// base64, not yet URL-encoded (dingtalk_signed_url does that).
std::string dingtalk_sign(std::string_view secret, std::int64_t timestamp_ms);
// `url` with "timestamp" and "sign" appended to its query (a '?' or '&' as the URL needs).
std::string dingtalk_signed_url(std::string_view url, std::string_view secret, Instant now);

std::string feishu_sign(std::string_view secret, std::int64_t timestamp_s);


}  // namespace deadline::delivery
