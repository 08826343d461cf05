#pragma once
// The reminder email and the double opt-in confirmation email: what they say (subject, text and
// HTML, in Chinese, from render::ReminderView) and the whole RFC 5322 message around it.
//
//   render_reminder / render_confirmation   -> RenderedEmail {subject, text, html}   (pure)
//   assemble_email(MessageHeaders, RenderedEmail, attachment)  -> the message bytes (CRLF)
//   build_reminder_email / build_confirmation_email           -> both steps at once
//
// The message is 7-bit with CRLF line ends only, ready for SMTP DATA (the transport still does
// dot-stuffing). Headers, in this order:
//   From: =?UTF-8?B?...?= <from@domain>        display name encoded when not plain ASCII
//   To: subscriber@example.com
//   Subject: =?UTF-8?B?...?=                    folded, lines <= 76
//   Date: Tue, 03 Dec 2024 09:00:05 +0800       always +0800 (China has no DST)
//   Message-ID: <MESSAGEID@domain>
//   List-Id: <list.domain>                      when list_id is set (RFC 2919)
//   List-Unsubscribe: <https://.../unsubscribe/TOKEN>      when unsubscribe_url is set
//   List-Unsubscribe-Post: List-Unsubscribe=One-Click      (RFC 8058)
//   Auto-Submitted: auto-generated              (RFC 3834)
//   MIME-Version: 1.0 and the tree of mail/mime.h

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/html_escape.h"
#include "base/result.h"
#include "domain/endpoint.h"
#include "mail/mime.h"
#include "render/change_view.h"
#include "render/reminder_view.h"
#include "time/instant.h"

namespace deadline::mail {

struct RenderedEmail {
  std::string subject;  // UTF-8, one line
  std::string text;     // text/plain (LF line ends; the builder makes them CRLF)
  std::string html;     // a complete HTML document, every field escaped
};

// What a reminder email says: reminders, change notices, or both (never neither).
struct ReminderContent {
  std::vector<render::ReminderView> views;  // one per reminder in the digest, any order
  std::vector<render::ChangeView> changes;  // one per change notice (render/change_view.h), any order
  std::string message_id;    // shown in the footer (for support)
  std::string recipient;     // shown in the footer ("sent to ...")
  Instant now;               // shown in the footer, in +0800
  std::string manage_url;    // http(s) URL of the subscriber's manage page
  std::string unsubscribe_url;  // http(s) URL; the same as List-Unsubscribe's
};

// Subject, text and HTML of a reminder and/or change notices. The views are ordered with
// render::sort_for_reading, the changes by close (render::make_change_views' order).
// Changes only: one change "【变更】TITLE截止时间提前至12月10日17:30" (its headline tag, the title
// cut like a reminder's, ChangeView::subject_what); several: "【变更】3项申报时间有变化". With
// reminders too, the subject is the reminders' (below) and the body starts with the changes.
// Each change shows its headline and title, what happened, the previous and the current close
// side by side (each with its phrase verbatim and the notice it comes from, linked in HTML when
// http(s)), the reminder point the change put in the past, and what to do.
// Subject: one programme (the digest may hold several windows of it): "【申报提醒】TITLE 还剩 7 天"
// ("今天截止" on the closing day; an estimate: "【申报提醒】TITLE 预计2024年11月截止"); several:
// "【申报提醒】3 个项目即将截止". A title is cut to 60 characters ("…") in the subject only.
// A test reminder (render::only_tests, no changes) is marked: "【测试】【申报提醒】TITLE 还剩 7 天",
// the intro is wording::test_reminder_note, and each title starts with 【测试】.
// Each reminder shows the title, close (closes_text, with 已确认 or 预计), days left, a clear note
// for estimates, opening, the phrase verbatim, who must act, eligibility, contact, authority,
// phones, the original link (a link only when it is http(s)), group and category; then the manage
// and unsubscribe links. Fails when `views` and `changes` are both empty or a URL is not http(s)
// printable ASCII.
Result<RenderedEmail> render_reminder(const ReminderContent& content);

// Subject "请确认订阅申报提醒", text and HTML asking `recipient` to confirm with `confirm_url`
// (http(s)), saying that nothing is sent otherwise. Fails on a bad URL.
Result<RenderedEmail> render_confirmation(std::string_view confirm_url, std::string_view recipient);

// The envelope-independent header inputs. Everything is checked; hostile values are refused.
struct MessageHeaders {
  std::string from_name;        // display name, UTF-8, <= 200 bytes (check_header_text)
  std::string from_address;     // email_address_problem must accept it
  std::string to_address;       // email_address_problem must accept it
  std::string message_id;       // check_message_id (the store's id)
  std::string domain;           // Message-ID's right side: a host name with a dot
  Instant date;
  std::string list_id;          // "reminders.example.org" (host-name syntax); "" = no List-Id
  std::string list_name;        // optional phrase before List-Id's <...>, UTF-8
  std::string unsubscribe_url;  // https URL (RFC 8058), <= 900 characters of printable ASCII
                                // without space < > " , ; "" = no List-Unsubscribe headers
};

// The whole message: the headers above, then build_mime with `rendered` and the optional
// attachment (the reminder's text/calendar). Fails, naming the field, on any hostile or invalid
// header input; never emits a header line that is not one of the fields above.
Result<std::string> assemble_email(const MessageHeaders& headers, const RenderedEmail& rendered,
                                   const std::optional<MimeAttachment>& attachment = std::nullopt,
                                   TransferEncoding encoding = TransferEncoding::base64);

// render_reminder + assemble_email. `content.message_id` and `content.recipient` are taken from
// `headers` (message_id, to_address), `content.unsubscribe_url` from headers.unsubscribe_url when
// it is empty; `calendar` is the text/calendar attachment, if any.
Result<std::string> build_reminder_email(const MessageHeaders& headers, ReminderContent content,
                                         const std::optional<MimeAttachment>& calendar = std::nullopt);

// render_confirmation + assemble_email; `headers.unsubscribe_url` and `list_id` are normally
// empty here (nothing is subscribed yet).
Result<std::string> build_confirmation_email(const MessageHeaders& headers, std::string_view confirm_url);

// The subscriber is told when one of their endpoints (a webhook or a chat robot) has been failing
// for a while, is disabled, or needs their attention: what it is (kind and host, never its full
// URL), what happened, the last error in Chinese (wording::delivery_problem_text, which says what
// to do), and the manage page where it can be fixed and re-enabled. The technical error itself is
// not shown: it is in the log.
struct EndpointNotice {
  EndpointKind kind = EndpointKind::webhook;
  std::string endpoint_label;   // "飞书群机器人 https://open.feishu.cn" (wording::endpoint_label)
  std::string what;             // "failing" | "disabled" | "needs_attention"
  std::string reason;           // the last error, technical (for delivery_problem_text)
  std::string manage_url;       // http(s)
};
Result<RenderedEmail> render_endpoint_notice(const EndpointNotice& notice);
Result<std::string> build_endpoint_notice_email(const MessageHeaders& headers, const EndpointNotice& notice);

// "Tue, 03 Dec 2024 09:00:05 +0800": RFC 5322 date-time of `instant` in UTC+8.
std::string rfc5322_date(Instant instant);

using deadline::html_escape;  // base/html_escape.h

}  // namespace deadline::mail
