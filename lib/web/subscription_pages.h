#pragma once
// The pages around subscribing (POST /subscribe, GET and POST of the confirm link): complete
// HTML documents for http::html_response. Pure; every text given is escaped here.

#include <string>
#include <string_view>

namespace deadline::web {

// After a valid POST /subscribe: "请查收确认邮件". The same words whether the address was new,
// pending or already subscribed, so the page never tells who subscribes; it says an email went
// out, so the caller sends one in every case (e.g. a "you are already subscribed" note to a known
// address). `email` is the address as submitted, shown so a typo can be seen.
std::string confirm_sent_page(std::string_view email);

// GET of a confirm link: a button "确认订阅" that POSTs to `token_path` (the link's own path on
// this site, e.g. "/confirm/TOKEN"). Shown for GET and HEAD, which change nothing: mail scanners
// fetch every link they see.
std::string confirm_page(std::string_view token_path);

// After the POST of a confirm link succeeded (or had already).
// `manage_path` ("/manage/TOKEN"), when given, is offered as the place to change the choices.
std::string confirmed_page(std::string_view manage_path = {});

// Anything else (an invalid link, the service unavailable): `title` as the heading, `text` as
// paragraphs, one per line.
std::string message_page(std::string_view title, std::string_view text);

}  // namespace deadline::web
