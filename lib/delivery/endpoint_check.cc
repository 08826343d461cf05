#include "delivery/endpoint_check.h"

#include "calendar/checks.h"
#include "delivery/outbound_url.h"
#include "delivery/robot_signature.h"
#include "delivery/webhook_signature.h"
#include "subscription/email_address.h"

namespace deadline::delivery {

namespace {

// The value of `name` in the URL's query ("" when absent).
std::string query_value(std::string_view url, std::string_view name) {
  const std::size_t question = url.find('?');
  if (question == std::string_view::npos) return {};
  std::string_view rest = url.substr(question + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
  }
  return {};
}

// A chat robot's webhook URL (docs/robots.md): a URL the outbound policy can read (no user:pass@,
// no whitespace, a real port), no fragment, and the platform's credential where the platform puts
// it. Never quotes the URL (it is a secret). Plain http, or a host that is not globally
// routable, is refused by the daemon unless `[delivery] allow_hosts` lists the host (as for
// webhooks): this tool does not read the daemon's configuration.
std::string robot_url_problem(EndpointKind kind, std::string_view url) {
  const std::string redacted = redact_url(url);
  const std::size_t scheme_end = redacted.find("://");
  const std::string host = scheme_end == std::string::npos ? std::string{} : redacted.substr(scheme_end + 3);
  if (const auto checked = check_outbound_url(url, {host}); !checked) return checked.error();
  if (url.find('#') != std::string_view::npos) return "a robot URL has no #fragment";
  switch (kind) {
    case EndpointKind::wecom:
      if (query_value(url, "key").empty()) return "a WeCom robot URL carries its key: …/cgi-bin/webhook/send?key=…";
      break;
    case EndpointKind::dingtalk:
      if (query_value(url, "access_token").empty()) {
        return "a DingTalk robot URL carries its access_token: …/robot/send?access_token=…";
      }
      break;
    case EndpointKind::feishu: {
      constexpr std::string_view hook = "/open-apis/bot/v2/hook/";
      const std::size_t at = url.find(hook);
      if (at == std::string_view::npos || at + hook.size() >= url.size() || url[at + hook.size()] == '?') {
        return "a Feishu bot URL ends in its hook id: …/open-apis/bot/v2/hook/…";
      }
      break;
    }
    default:
      break;
  }
  return {};
}

}  // namespace

EndpointTargetProblem endpoint_target_problem(EndpointKind kind, std::string_view address,
                                              std::string_view secret) {
  using F = EndpointTargetProblem::Field;
  if (kind == EndpointKind::email) {
    if (std::string problem = email_address_problem(address); !problem.empty()) return {F::address, problem};
  } else if (!is_valid_link(address)) {
    return {F::address, "expected an http:// or https:// URL"};
  }
  if (kind == EndpointKind::webhook && !secret.empty()) {
    if (const auto key = webhook_key(std::string(secret)); !key) return {F::secret, key.error()};
  }
  const bool robot = kind == EndpointKind::wecom || kind == EndpointKind::dingtalk ||
                     kind == EndpointKind::feishu;
  if (robot) {
    if (std::string problem = robot_url_problem(kind, address); !problem.empty()) return {F::address, problem};
  }
  if (kind == EndpointKind::wecom && !secret.empty()) {
    return {F::secret, "a WeCom robot has no secret (its key is in the URL)"};
  }
  if (kind == EndpointKind::dingtalk && !secret.empty() &&
      (!secret.starts_with(kDingTalkSecretPrefix) || secret.size() == kDingTalkSecretPrefix.size())) {
    return {F::secret, "a DingTalk robot's secret starts with \"SEC\" (加签 in the robot's security settings)"};
  }
  return {};
}

}  // namespace deadline::delivery
