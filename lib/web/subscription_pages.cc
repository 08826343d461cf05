#include "web/subscription_pages.h"

#include "mail/utf8.h"
#include "web/page.h"
#include "wording/subscription_wording.h"

namespace deadline::web {

namespace {

std::string home_link() { return "<p><a href=\"/\">" + std::string(wording::kBackHome) + "</a></p>"; }

std::string paragraphs(std::string_view text) {
  std::string body;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (!line.empty()) body += "<p>" + escape(line) + "</p>\n";
  }
  return body;
}

}  // namespace

std::string mask_email(std::string_view address) {
  const std::size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0) return "***";
  const mail::utf8::CodePoint first = mail::utf8::decode(address, 0);
  const std::size_t length = first.length == 0 ? 1 : first.length;
  return std::string(address.substr(0, length)) + "***" + std::string(address.substr(at));
}

std::string subscribed_page() {
  return page(wording::kSubscribedTitle, paragraphs(wording::kSubscribedText) + home_link());
}

std::string confirm_page(std::string_view token_path, std::string_view masked_address) {
  return page(wording::kConfirmTitle,
              "<p>" + escape(wording::confirm_for(masked_address)) + "</p>\n<p class=\"note\">" +
                  escape(wording::kConfirmConsent) + "</p>\n<form method=\"post\" action=\"" + escape(token_path) +
                  "\">\n<button type=\"submit\">" + escape(wording::kConfirmButton) + "</button>\n</form>");
}

std::string confirmed_page(std::string_view manage_path) {
  const std::string manage = manage_path.empty() ? std::string()
                                                 : "<p><a href=\"" + escape(manage_path) + "\" class=\"manage\">管理订阅</a>：" +
                                                       escape(wording::kManageLinkText) + "</p>\n";
  return page(wording::kConfirmedTitle, paragraphs(wording::kConfirmedText) + manage + home_link());
}

std::string unsubscribe_page(std::string_view token_path, std::string_view masked_address) {
  return page(wording::kUnsubscribeTitle,
              "<p>" + escape(wording::unsubscribe_for(masked_address)) + "</p>\n<p>" +
                  escape(wording::kUnsubscribeWhatStops) + "</p>\n<form method=\"post\" action=\"" + escape(token_path) +
                  "\">\n<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\n"
                  "<input type=\"hidden\" name=\"via\" value=\"page\">\n<button type=\"submit\">" +
                  escape(wording::kUnsubscribeButton) + "</button>\n</form>");
}

std::string unsubscribed_page(int unsubscribed_days) {
  return page(wording::kUnsubscribedTitle, paragraphs(wording::unsubscribed_text(unsubscribed_days)) + home_link());
}

std::string confirm_link_invalid_page(bool revoked) {
  return page(wording::kLinkRevokedTitle,
              paragraphs(revoked ? wording::kConfirmLinkRevoked : wording::kConfirmLinkInvalid) + home_link());
}

std::string unsubscribe_link_invalid_page(bool revoked) {
  return page(wording::kLinkRevokedTitle,
              paragraphs(revoked ? wording::kUnsubscribeRevoked : wording::kUnsubscribeLinkInvalid) + home_link());
}

std::string error_page(unsigned status) {
  const wording::ErrorWording w = wording::http_error(status);
  return page(w.heading + " - " + std::string(wording::kSiteName), w.heading, paragraphs(w.text) + home_link());
}

std::string message_page(std::string_view title, std::string_view text) {
  return page(title, paragraphs(text) + home_link());
}

}  // namespace deadline::web
