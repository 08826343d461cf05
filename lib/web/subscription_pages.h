#pragma once
// The pages around subscribing and unsubscribing, and the site's error pages: complete HTML
// documents for http::html_response. Pure; every text given is escaped here, every sentence
// comes from wording/subscription_wording.h.

#include <string>
#include <string_view>

namespace deadline::web {

// "c***@qiye.example.cn": the first character of the local part (a whole UTF-8 character) and the
// domain, which is enough for the owner to recognise their address on a page a forwarded mail may
// show to someone else. An address without '@' becomes "***".
std::string mask_email(std::string_view address);

// GET /subscribed, where a valid POST /subscribe is redirected: "请查收邮件". The same words
// whatever the address's state (new, pending, active, mailed too recently), so the page never
// tells who subscribes; it names no address (nothing personal travels in the redirect).
std::string subscribed_page();

// GET of a valid confirm link for a pending subscriber: whose subscription it is (masked), what
// confirming agrees to, and a button "同意并确认订阅" that POSTs to `token_path` (the link's own
// path). GET and HEAD change nothing: mail scanners fetch every link they see.
std::string confirm_page(std::string_view token_path, std::string_view masked_address);

// The confirm link once its subscriber is active (after the POST's redirect, or opened again):
// `manage_path` ("/manage/TOKEN"), when given, is offered as the place to change the choices.
std::string confirmed_page(std::string_view manage_path = {});

// GET of a valid unsubscribe link: whose subscription (masked), that webhooks and robots stop
// too, and a button that POSTs to `token_path` with via=page (the page's own post is redirected;
// a mail client's one-click POST is answered 200 directly).
std::string unsubscribe_page(std::string_view token_path, std::string_view masked_address);

// After unsubscribing (or on opening the link again afterwards).
std::string unsubscribed_page(int unsubscribed_days);

// A link that no longer works (404): `revoked` when the subscriber exists but the link's
// generation is no longer theirs; else a link that never verified.
std::string confirm_link_invalid_page(bool revoked);
std::string unsubscribe_link_invalid_page(bool revoked);

// The site's own page for an error status (wording::http_error), with a way back home.
std::string error_page(unsigned status);

// Anything else (the service unavailable): `title` as the heading, `text` as paragraphs, one per
// line, and a link home.
std::string message_page(std::string_view title, std::string_view text);

}  // namespace deadline::web
