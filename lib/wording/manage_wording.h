#pragma once
// The catalogue of what a subscriber reads on the manage page about their endpoints: their kinds,
// states, names and keys, what a change did, and why one could not be made. Chinese, each saying
// what is wrong and what to do (lib/wording/ holds every sentence a user reads).

#include <cstddef>
#include <string>
#include <string_view>

#include "domain/endpoint.h"

namespace deadline::wording {

// 邮件 / Webhook / 企业微信群机器人 / 钉钉群机器人 / 飞书群机器人.
std::string_view endpoint_kind_name(EndpointKind kind);

// The state an endpoint's owner sees: 正常, 发送失败，正在重试 (active, but its deliveries fail),
// 需要处理, 已停用, 已退订.
std::string_view endpoint_state_text(EndpointState state, bool failing);

// The name an endpoint gets when its owner gives none: "Webhook 2", "企业微信机器人 1" …, `n`
// counting the endpoints of that kind including this one.
std::string default_endpoint_name(EndpointKind kind, int n);

// "密钥尾号 abcd": which signing key an endpoint has, without showing it.
std::string secret_tail_text(std::string_view tail);

// The short status a successful change redirects with (/manage/TOKEN?done=CODE) and the sentence
// the page then shows; "" for a code it does not know (a link typed by hand shows nothing).
std::string manage_done_text(std::string_view code);

// Why an endpoint could not be added, tested, renamed or deleted.
inline constexpr std::string_view kEndpointNotYours = "这个接收方式不属于您的订阅，或已删除。";
inline constexpr std::string_view kLinkRevoked =
    "这个管理链接已失效。请使用最新一封提醒邮件中的管理链接，或重新订阅。";
std::string too_many_endpoints_text();
inline constexpr std::string_view kTestNotActive = "这个接收方式目前没有启用，无法发送测试提醒。请先处理问题并重新启用。";
inline constexpr std::string_view kNoWindowForTest =
    "您为这个接收方式选择的项目目前都没有正在申报的批次，因此无法发送测试提醒。"
    "可以在“修改”中放宽它的筛选条件后再试。";
inline constexpr std::string_view kOnlyEmail = "邮件是您订阅的基本接收方式，不能单独删除。如不再需要任何提醒，请退订。";
inline constexpr std::string_view kNameTooLong = "名称太长，请不超过 40 个字。";
inline constexpr std::size_t kEndpointNameMaxChars = 40;  // code points
inline constexpr std::string_view kChooseKind = "请选择接收方式。";

// The answer that shows a newly generated webhook signing key, once.
inline constexpr std::string_view kNewSecretHeading = "已添加。请立即保存签名密钥";
inline constexpr std::string_view kNewSecretNote =
    "这个密钥只显示这一次，离开本页后无法再查看。请复制到接收方的配置中，用于核对提醒确实来自本网站。";

// Deleting one endpoint (a second step, no script) and erasing everything.
std::string delete_endpoint_question(std::string_view name, std::string_view shown_address);
inline constexpr std::string_view kDeleteEndpointNote = "删除后不再向它发送任何提醒，未发出的提醒一并删除。";
inline constexpr std::string_view kEraseHeading = "删除我的全部信息";
inline constexpr std::string_view kEraseExplained =
    "将立即删除：您的邮箱地址、所有接收方式（邮件、Webhook、群机器人）及其筛选选择、"
    "尚未发出和已发出的提醒记录，以及您的个人日历订阅。删除后所有链接失效，无法恢复；如需再次接收提醒，请重新订阅。";
inline constexpr std::string_view kEraseDone =
    "您的全部信息已删除，不会再收到任何提醒，个人日历订阅和所有链接已失效。如需再次接收提醒，欢迎重新订阅。";

}  // namespace deadline::wording
