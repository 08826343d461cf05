#pragma once
// Webhook and chat-robot URLs as deadlined accepts them, read with libcurl's own URL parser (the
// one the transfer will use, so the host checked here is the host libcurl connects to).
//
// A robot URL's path and query hold its secret (WeCom's ?key=, DingTalk's access_token=, Feishu's
// hook id): logs and error messages show redacted() only, never the URL. The errors below never
// quote the URL either; they name the part that is wrong.
//
// This is the early, at-configuration check. The address a host name resolves to is checked at
// connect time (delivery/address_policy.h: OutboundGuard, apply_outbound_policy); here only a
// numeric host (IPv4 in any of the forms libcurl reads, or an IPv6 literal) is classified.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "delivery/target_refusal.h"

namespace deadline::delivery {

inline constexpr std::size_t kMaxOutboundUrlBytes = 2048;

struct OutboundUrl {
  std::string scheme;  // "https"; "http" only for an allow-listed host
  std::string host;    // as libcurl reads it: "qyapi.weixin.qq.com", "127.0.0.1", "[2400:3200::1]"
  std::uint16_t port = 0;     // as written, else the scheme's default (443, 80)
  bool allow_listed = false;  // the host is on the allow-list
  // The whole URL as libcurl normalised it, for CURLOPT_URL only. It holds the secret: never log it.
  std::string url;

  // "https://host": scheme and host only, for logs and messages.
  std::string redacted() const;
};

// Accepts an absolute URL of at most kMaxOutboundUrlBytes bytes with no whitespace or control
// characters, scheme https (or http when the host is on `allow_list`, see host_on_allow_list),
// a host, no user name, password or login options before the host, no IPv6 zone id, a port other
// than 0, and (unless allow-listed) a numeric host that is globally routable. Errors are sentences:
// "the URL's scheme is http: only https is allowed".
Result<OutboundUrl> check_outbound_url(std::string_view url, const std::vector<std::string>& allow_list);

// The same check with the reason as a code, for words a subscriber reads
// (wording::endpoint_refusal_text) next to the technical sentence (result's error).
struct OutboundUrlCheck {
  Result<OutboundUrl> result = Result<OutboundUrl>::failure("not checked");
  TargetRefusal refusal = TargetRefusal::none;  // none when result is a success
  std::string host;  // the host as libcurl read it, without brackets ("::1"); "" before it is known
};
OutboundUrlCheck inspect_outbound_url(std::string_view url, const std::vector<std::string>& allow_list);

// "https://host" for any URL-looking text, whether or not the policy accepts it: what logs may
// show of a stored endpoint address. Userinfo, port, path, query and fragment are dropped.
std::string redact_url(std::string_view url);

}  // namespace deadline::delivery
