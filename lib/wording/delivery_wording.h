#pragma once
// The catalogue of what subscribers read about their endpoints' deliveries (pages and mails):
// Chinese, saying what went wrong and what to do. lib/wording/ holds every sentence a user reads;
// the technical text these are made from stays in the log and the admin API.

#include <string>
#include <string_view>

#include "delivery/target_refusal.h"
#include "domain/endpoint.h"

namespace deadline::wording {

// What the technical error of an endpoint's failed delivery (EndpointRecord::last_error, a
// needs_attention or disabled endpoint's state_reason, an AttemptResult's error) means for its
// owner, and what to do about it. Never contains the technical text itself; "" for "".
// A refusal of the URL or of the address it resolved to (outbound_url.h, address_policy.h) is
// worded as endpoint_refusal_text words it when the endpoint is added.
std::string delivery_problem_text(EndpointKind kind, std::string_view technical);

// Why an address or secret given for an endpoint is refused (delivery::EndpointTargetProblem's
// reason), and what to write instead: "这个地址指向内网或本机（::1），提醒无法送达。请填写可从互联网
// 访问的 https 地址。". `host`: the URL's host the reason concerns (EndpointTargetProblem::host),
// shown in brackets when given; never a path or query (they hold robots' secrets).
// "" for TargetRefusal::none.
std::string endpoint_refusal_text(delivery::TargetRefusal reason, std::string_view host = {});

// The refusal a stored technical sentence comes from (check_outbound_url's, endpoint_check's or
// the address guard's "refused: 10.0.0.1 is private (10.0.0.0/8)"), or none: how the pages and
// mails word an endpoint's state_reason, kept as text in the store.
delivery::TargetRefusal refusal_in(std::string_view technical);

// An endpoint with where it goes, as the manage page names its kind (wording/manage_wording.h
// endpoint_kind_name): "飞书群机器人 https://open.feishu.cn/…" (`shown`: delivery::shown_address,
// never the path or query, which hold secrets).
std::string endpoint_label(EndpointKind kind, std::string_view shown);

// A test reminder (domain/message.h kTestLead) is marked with this wherever it is shown: mail
// subject and body, robot titles and entries, the webhook event's test_text.
inline constexpr std::string_view kTestMarker = "【测试】";
// One sentence saying what a test reminder is, for the top of the mail, robot message and webhook.
std::string_view test_reminder_note();

// The failing / disabled / needs_attention mail about an endpoint: its subject and the sentence
// saying what happened and what to do (mail/reminder_email.h: render_endpoint_notice).
struct EndpointNoticeWords {
  std::string subject;
  std::string happened;
};
EndpointNoticeWords endpoint_notice_words(std::string_view what);

}  // namespace deadline::wording
