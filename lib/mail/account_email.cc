#include "mail/account_email.h"

#include <algorithm>

#include "base/html_escape.h"
#include "wording/subscription_wording.h"

namespace deadline::mail {

namespace {

// A link we made ourselves: http(s), printable ASCII without space, quotes or angle brackets.
bool account_link_ok(std::string_view url) {
  return (url.starts_with("https://") || url.starts_with("http://")) && url.size() <= 2000 &&
         std::none_of(url.begin(), url.end(), [](char c) {
           const auto byte = static_cast<unsigned char>(c);
           return byte <= 0x20 || byte >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\'' || c == '\\';
         });
}

struct AccountMailPart {
  std::string_view label;
  std::string_view url;
};

// Subject, greeting, labelled links, closing notes: the text and HTML forms of one account mail.
RenderedEmail account_mail(std::string_view subject, const std::string& intro,
                           std::initializer_list<AccountMailPart> links, std::initializer_list<std::string_view> notes) {
  RenderedEmail email;
  email.subject = std::string(subject);
  email.text = intro + "\n\n";
  std::string body = "<p style=\"margin:0 0 12px 0;\">" + html_escape(intro) + "</p>\n";
  for (const AccountMailPart& link : links) {
    email.text += std::string(link.label) + "\n" + std::string(link.url) + "\n\n";
    body += "<p style=\"margin:12px 0 4px 0;\">" + html_escape(link.label) +
            "</p>\n<p style=\"margin:0 0 12px 0;word-break:break-all;overflow-wrap:anywhere;\"><a href=\"" +
            html_escape(link.url) + "\" style=\"color:#1a5fb4;\">" + html_escape(link.url) + "</a></p>\n";
  }
  for (const std::string_view note : notes) {
    email.text += std::string(note) + "\n\n";
    body += "<p style=\"margin:0 0 12px 0;\">" + html_escape(note) + "</p>\n";
  }
  email.text += std::string(wording::kMailFooter) + "\n";
  body += "<p style=\"margin:4px 0;font-size:12px;color:#999999;\">" + html_escape(wording::kMailFooter) + "</p>\n";
  email.html = "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"UTF-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
               html_escape(subject) +
               "</title>\n</head>\n<body style=\"margin:0;padding:0;background:#f5f5f5;\">\n"
               "<div style=\"max-width:640px;margin:0 auto;padding:16px 20px;background:#ffffff;color:#222222;"
               "font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;font-size:15px;line-height:1.6;\">\n" +
               body + "</div>\n</body>\n</html>\n";
  return email;
}

}  // namespace

Result<RenderedEmail> render_welcome(std::string_view recipient, std::string_view manage_url,
                                     std::string_view unsubscribe_url) {
  if (!account_link_ok(manage_url) || !account_link_ok(unsubscribe_url)) {
    return Result<RenderedEmail>::failure("welcome mail: a link is not an http(s) URL of printable ASCII");
  }
  return Result<RenderedEmail>::success(account_mail(
      wording::kWelcomeSubject, wording::welcome_intro(recipient),
      {{wording::kMailManageLabel, manage_url}, {wording::kMailUnsubscribeLabel, unsubscribe_url}},
      {wording::kMailKeepThis}));
}

Result<RenderedEmail> render_manage_link(std::string_view recipient, std::string_view manage_url) {
  if (!account_link_ok(manage_url)) {
    return Result<RenderedEmail>::failure("manage-link mail: the link is not an http(s) URL of printable ASCII");
  }
  return Result<RenderedEmail>::success(account_mail(wording::kManageLinkSubject, wording::manage_link_intro(recipient),
                                                     {{wording::kMailManageLabel, manage_url}},
                                                     {wording::kMailKeepThis, wording::kMailNotYou}));
}

}  // namespace deadline::mail
