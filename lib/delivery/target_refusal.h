#pragma once
// Why an endpoint's address or secret is refused, as a code: the pages and mails word each one
// in Chinese (wording/delivery_wording.h: endpoint_refusal_text), the JSON API and the log keep
// the technical English detail that comes with it (EndpointTargetProblem::message,
// check_outbound_url's error). One code per thing its owner must do differently.

namespace deadline::delivery {

enum class TargetRefusal {
  none,
  // The URL itself (delivery/outbound_url.h).
  url_empty,
  url_too_long,           // more than kMaxOutboundUrlBytes
  url_has_space,
  url_has_control,        // a control character (a pasted line break, say)
  url_not_valid,          // libcurl cannot read it at all
  url_not_web,            // no scheme, or one other than http(s): ftp://, hooks.example.cn/x
  url_no_slashes,         // https:/x, https:///x
  url_no_host,
  url_user_info,          // user:pass@ before the host
  url_zone_id,            // [fe80::1%eth0]
  url_http,               // plain http to a host not on the allow-list
  url_bad_port,
  url_not_public,         // a numeric host that is loopback, private, reserved ... (or a name the
                          // address guard refused at connect time: lib/delivery/address_policy.h)
  url_local_name,         // localhost, x.localhost (RFC 6761: always the machine itself)
  // A chat robot's URL (docs/robots.md).
  robot_fragment,
  wecom_no_key,
  dingtalk_no_token,
  feishu_no_hook,
  // Secrets.
  webhook_secret_malformed,  // not whsec_ + base64 of 24 to 64 bytes
  wecom_secret_given,        // a WeCom robot has none: its key is in the URL
  dingtalk_secret_prefix,    // 加签's secret starts with SEC
  // An email endpoint's address.
  email_invalid,
};

}  // namespace deadline::delivery
