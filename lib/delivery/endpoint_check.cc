#include "delivery/endpoint_check.h"

#include <cctype>

#include "delivery/outbound_url.h"
#include "delivery/robot_signature.h"
#include "delivery/webhook_signature.h"
#include "subscription/email_address.h"

namespace deadline::delivery {

namespace {

using F = EndpointTargetProblem::Field;
using T = TargetRefusal;

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

// The URL as the outbound policy reads it (no user:pass@, no whitespace, a real port ...), with
// its own host allowed: reachability is the caller's question (the overload with allow_hosts).
EndpointTargetProblem url_form_problem(std::string_view url) {
  const std::string redacted = redact_url(url);
  const std::size_t scheme_end = redacted.find("://");
  const std::string host = scheme_end == std::string::npos ? std::string{} : redacted.substr(scheme_end + 3);
  const OutboundUrlCheck checked = inspect_outbound_url(url, {host});
  if (checked.result) return {};
  return {F::address, checked.refusal, checked.result.error(), checked.host};
}

// A chat robot's webhook URL (docs/robots.md): no fragment, and the platform's credential where
// the platform puts it.
EndpointTargetProblem robot_url_problem(EndpointKind kind, std::string_view url) {
  if (url.find('#') != std::string_view::npos) return {F::address, T::robot_fragment, "a robot URL has no #fragment", {}};
  switch (kind) {
    case EndpointKind::wecom:
      if (query_value(url, "key").empty()) {
        return {F::address, T::wecom_no_key, "a WeCom robot URL carries its key: …/cgi-bin/webhook/send?key=…", {}};
      }
      break;
    case EndpointKind::dingtalk:
      if (query_value(url, "access_token").empty()) {
        return {F::address, T::dingtalk_no_token,
                "a DingTalk robot URL carries its access_token: …/robot/send?access_token=…", {}};
      }
      break;
    case EndpointKind::feishu: {
      constexpr std::string_view hook = "/open-apis/bot/v2/hook/";
      const std::size_t at = url.find(hook);
      if (at == std::string_view::npos || at + hook.size() >= url.size() || url[at + hook.size()] == '?') {
        return {F::address, T::feishu_no_hook, "a Feishu bot URL ends in its hook id: …/open-apis/bot/v2/hook/…", {}};
      }
      break;
    }
    default:
      break;
  }
  return {};
}

// RFC 6761: "localhost" and every name under it is the machine itself, whatever DNS says.
bool is_localhost_name(std::string_view host) {
  std::string lower;
  for (const char c : host) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!lower.empty() && lower.back() == '.') lower.pop_back();
  return lower == "localhost" || lower.ends_with(".localhost");
}

}  // namespace

EndpointTargetProblem endpoint_target_problem(EndpointKind kind, std::string_view address,
                                              std::string_view secret) {
  if (kind == EndpointKind::email) {
    if (std::string problem = email_address_problem(address); !problem.empty()) {
      return {F::address, T::email_invalid, problem, {}};
    }
    return {};
  }
  if (EndpointTargetProblem p = url_form_problem(address); !p.message.empty()) return p;
  if (kind == EndpointKind::webhook && !secret.empty()) {
    if (const auto key = webhook_key(std::string(secret)); !key) {
      return {F::secret, T::webhook_secret_malformed, key.error(), {}};
    }
  }
  if (EndpointTargetProblem p = robot_url_problem(kind, address); !p.message.empty()) return p;
  if (kind == EndpointKind::wecom && !secret.empty()) {
    return {F::secret, T::wecom_secret_given, "a WeCom robot has no secret (its key is in the URL)", {}};
  }
  if (kind == EndpointKind::dingtalk && !secret.empty() &&
      (!secret.starts_with(kDingTalkSecretPrefix) || secret.size() == kDingTalkSecretPrefix.size())) {
    return {F::secret, T::dingtalk_secret_prefix,
            "a DingTalk robot's secret starts with \"SEC\" (加签 in the robot's security settings)", {}};
  }
  return {};
}

EndpointTargetProblem endpoint_target_problem(EndpointKind kind, std::string_view address, std::string_view secret,
                                              const std::vector<std::string>& allow_hosts) {
  if (EndpointTargetProblem p = endpoint_target_problem(kind, address, secret); !p.message.empty()) return p;
  if (kind == EndpointKind::email) return {};
  const OutboundUrlCheck checked = inspect_outbound_url(address, allow_hosts);
  if (!checked.result) return {F::address, checked.refusal, checked.result.error(), checked.host};
  if (!checked.result->allow_listed && is_localhost_name(checked.host)) {
    return {F::address, T::url_local_name,
            "the URL's host " + checked.host + " is a localhost name: it always means this machine", checked.host};
  }
  return {};
}

}  // namespace deadline::delivery
