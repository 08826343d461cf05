#pragma once
// The mails about a subscription itself that carry the manage link, so that it can never be lost:
// - the welcome mail, sent once when a subscription is confirmed;
// - the manage-link mail, the answer to a subscribe request for an address already subscribed
//   (the form says the same to everyone; the mailbox's owner alone learns the state).
// What they say comes from wording/subscription_wording.h. Pure; assemble_email
// (mail/reminder_email.h) makes the message.

#include <string_view>

#include "base/result.h"
#include "mail/reminder_email.h"

namespace deadline::mail {

// Subject "订阅已确认：请保存管理链接"; the address, the manage link, the unsubscribe link, and how
// to get the manage link again. Fails on a URL that is not http(s) printable ASCII.
Result<RenderedEmail> render_welcome(std::string_view recipient, std::string_view manage_url,
                                     std::string_view unsubscribe_url);

// Subject "您的申报提醒管理链接": someone asked to subscribe this address, which already is; the
// subscription is unchanged; the manage link; ignore it if it was not you.
Result<RenderedEmail> render_manage_link(std::string_view recipient, std::string_view manage_url);

}  // namespace deadline::mail
