#pragma once
// What the site says around subscribing, in Chinese: the site's frame (footer, error pages), the
// subscribe form and its answers, the confirm and unsubscribe pages, and the account mails
// (welcome, manage link). Every sentence a user reads on those lives here; the code that builds
// the pages and mails only arranges them. Technical English detail goes to the log instead.
//
// One wording for one thing:
// - days left: "还剩 N 天" for a confirmed close, "还剩约 N 天" for an estimated one
//   (wording/time_left_wording.h: the same words in pages, mails and robots);
// - a window's close is labelled "截止：" whatever its precision ("截止：预计2026年11月").

#include <chrono>
#include <string>
#include <string_view>

namespace deadline::wording {

inline constexpr std::string_view kSiteName = "惠企政策申报截止提醒";
inline constexpr std::string_view kBackHome = "返回首页";
inline constexpr std::string_view kCloseLabel = "截止：";
inline constexpr std::string_view kOpenLabel = "开始：";

// --- the site's frame ----------------------------------------------------------------------
// "本服务由 NAME 运营。联系方式：CONTACT" (either part left out when empty; "" when both are).
std::string operator_line(std::string_view name, std::string_view contact);

// The error page for an HTTP status the site answers itself (404, 405, 413, 431, 400, 500,
// 503, ...): a heading and what to do, one paragraph per line.
struct ErrorWording {
  std::string heading;
  std::string text;
};
ErrorWording http_error(unsigned status);

// "请在 30 秒后重试" / "请在约 2 分钟后重试": for a Retry-After of `wait`.
std::string retry_in(std::chrono::seconds wait);

// --- the subscribe form ---------------------------------------------------------------------
inline constexpr std::string_view kEmailRequired = "请填写邮箱地址";
inline constexpr std::string_view kEmailInvalid = "请输入有效的邮箱地址";
inline constexpr std::string_view kEmailNotAscii =
    "暂不支持含中文等非英文字符的邮箱地址（例如 财务@企业.中国）：许多邮件服务器无法投递到这类地址。"
    "请改用只含英文字母、数字和 . _ - 等符号的地址（企业邮箱通常可以另设英文地址）";
inline constexpr std::string_view kConsentRequired = "请阅读“个人信息说明”，勾选同意后再提交";
inline constexpr std::string_view kConsentLabel = "我已阅读上面的个人信息说明，同意按此处理我的邮箱地址和订阅选择";

// The paragraphs of the 个人信息说明 above the consent box: what is collected, why, how long it is
// kept (the [retention] settings), that unsubscribing deletes it, who runs the service.
std::string privacy_notice_html(int unsubscribed_days, int finished_message_days, std::string_view operator_name,
                                std::string_view operator_contact);

// The 429 answer to the form: the form again, as entered, with this above it.
std::string subscribe_too_often(std::chrono::seconds wait);

// --- the pages after a form post -----------------------------------------------------------
// GET /subscribed (after POST /subscribe): the same words whatever the address's state.
inline constexpr std::string_view kSubscribedTitle = "请查收邮件";
inline constexpr std::string_view kSubscribedText =
    "我们会向您填写的邮箱发送一封邮件，通常几分钟内送达，最长可能需要十分钟左右。\n"
    "尚未订阅的地址会收到确认邮件：请按邮件中的链接确认订阅，确认之前不会发送任何提醒。"
    "已经订阅的地址会收到一封带有管理链接的邮件，订阅内容不会改变。\n"
    "十分钟后仍未收到？请查看垃圾邮件文件夹，或回到首页核对地址后重新提交。";

inline constexpr std::string_view kConfirmTitle = "确认订阅";
// "您正在确认 c***@qiye.example.cn 的订阅。"
std::string confirm_for(std::string_view masked_address);
inline constexpr std::string_view kConfirmButton = "同意并确认订阅";
inline constexpr std::string_view kConfirmConsent =
    "确认即表示您同意我们按首页“个人信息说明”保存您的邮箱地址和订阅选择，用于发送申报截止提醒；随时可以退订。";
inline constexpr std::string_view kConfirmedTitle = "订阅已确认";
inline constexpr std::string_view kConfirmedText =
    "订阅已确认。各项目截止前，我们会按您选择的提醒时间发送邮件。管理链接也已发到您的邮箱，请保存那封邮件。\n"
    "每封提醒邮件底部都有退订链接，随时可以退订。";
inline constexpr std::string_view kManageLinkText = "管理订阅：修改提醒的项目和时间，添加 Webhook 或群机器人。每封提醒邮件里也有这个链接。";
inline constexpr std::string_view kLinkRevokedTitle = "链接已失效";
inline constexpr std::string_view kConfirmLinkInvalid =
    "这个确认链接无效或已失效：可能链接不完整，或这个地址后来退订、又重新提交过订阅。\n"
    "请使用最新一封确认邮件中的链接，或回到首页重新订阅。";
inline constexpr std::string_view kConfirmLinkRevoked =
    "这个确认链接已失效：这个地址已经退订，或者后来又提交过订阅申请。\n"
    "请使用最新一封确认邮件中的链接，或回到首页重新订阅。";

inline constexpr std::string_view kUnsubscribeTitle = "退订申报提醒";
// "您正在退订 c***@qiye.example.cn 的申报提醒。"
std::string unsubscribe_for(std::string_view masked_address);
inline constexpr std::string_view kUnsubscribeWhatStops =
    "退订后，邮件提醒以及您添加的 Webhook 和群机器人都将停止接收提醒，管理链接和个人日历订阅也随之失效。";
inline constexpr std::string_view kUnsubscribeButton = "确认退订";
inline constexpr std::string_view kUnsubscribedTitle = "已退订";
// After unsubscribing: everything stops, the address goes within `unsubscribed_days`.
std::string unsubscribed_text(int unsubscribed_days);
inline constexpr std::string_view kUnsubscribeLinkInvalid =
    "这个退订链接无效或已失效：可能链接不完整，或您后来又重新订阅过。\n"
    "请使用最新一封提醒邮件中的退订链接；也可以在管理页面退订。";
inline constexpr std::string_view kUnsubscribeRevoked =
    "这个退订链接已失效：这个地址后来又重新订阅过，旧邮件中的链接不再有效。\n"
    "请使用最新一封提醒邮件中的退订链接；也可以在管理页面退订。";

inline constexpr std::string_view kProgrammeNotFoundTitle = "找不到该项目";
inline constexpr std::string_view kProgrammeNotFoundText = "没有这个项目：链接可能不完整。请从首页查看全部项目。";

inline constexpr std::string_view kUnavailableTitle = "暂时无法完成";
inline constexpr std::string_view kUnavailableText = "服务暂时不可用，请稍后再试。";

// --- the account mails (lib/mail/account_email.h) -------------------------------------------
inline constexpr std::string_view kWelcomeSubject = "订阅已确认：请保存管理链接";
inline constexpr std::string_view kManageLinkSubject = "您的申报提醒管理链接";
std::string welcome_intro(std::string_view address);
std::string manage_link_intro(std::string_view address);
inline constexpr std::string_view kMailManageLabel = "管理订阅（修改项目和提醒时间、添加 Webhook 或群机器人）：";
inline constexpr std::string_view kMailUnsubscribeLabel = "退订：";
inline constexpr std::string_view kMailKeepThis =
    "请保存这封邮件；每封提醒邮件里也有管理链接。链接遗失时，在首页用同一地址再提交一次订阅，我们会把链接重新发给您。";
inline constexpr std::string_view kMailNotYou = "如果不是您本人操作，请忽略本邮件，订阅不会有任何改变。";
inline constexpr std::string_view kMailFooter = "本邮件由申报提醒服务自动发送，请勿直接回复。";

}  // namespace deadline::wording
