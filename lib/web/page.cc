#include "web/page.h"

#include "wording/subscription_wording.h"

namespace deadline::web {

namespace {

SiteFooter& footer_setting() {
  static SiteFooter footer;
  return footer;
}

// The 公安备案号's digits: the query code of its record on beian.mps.gov.cn.
std::string record_digits(std::string_view record) {
  std::string digits;
  for (const char c : record) {
    if (c >= '0' && c <= '9') digits += c;
  }
  return digits;
}

}  // namespace

void set_site_footer(SiteFooter footer) { footer_setting() = std::move(footer); }

const SiteFooter& site_footer() { return footer_setting(); }

std::string footer_html(const SiteFooter& footer) {
  std::string lines;
  if (!footer.operator_name.empty() || !footer.operator_contact.empty()) {
    lines += "<p>" + escape(wording::operator_line(footer.operator_name, footer.operator_contact)) + "</p>\n";
  }
  std::string records;
  if (!footer.icp_record.empty()) {
    records += "<a href=\"https://beian.miit.gov.cn/\" rel=\"noopener noreferrer\">" + escape(footer.icp_record) + "</a>";
  }
  if (!footer.police_record.empty()) {
    if (!records.empty()) records += " ";
    records += "<a href=\"https://beian.mps.gov.cn/#/query/webSearch?code=" + record_digits(footer.police_record) +
               "\" rel=\"noopener noreferrer\">" + escape(footer.police_record) + "</a>";
  }
  if (!records.empty()) lines += "<p class=\"records\">" + records + "</p>\n";
  return lines.empty() ? std::string() : "<footer class=\"site\">\n" + lines + "</footer>\n";
}

std::string page(std::string_view title, std::string_view body_html) { return page(title, title, body_html); }

std::string page(std::string_view title, std::string_view heading, std::string_view body_html) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
  html += escape(title);
  html +=
      "</title>\n<style>\n"
      "body{font-family:system-ui,-apple-system,\"PingFang SC\",\"Microsoft YaHei\",sans-serif;"
      "max-width:44rem;margin:0 auto;padding:1rem;line-height:1.6;color:#1a1a1a;background:#fff}\n"
      "h1{font-size:1.4rem}a{color:#0645ad}\n"
      "button,input[type=submit]{font-size:1rem;padding:.5rem 1.2rem;border:1px solid #1a4d8f;"
      "background:#1a4d8f;color:#fff;border-radius:4px;cursor:pointer}\n"
      "button:focus,input:focus,a:focus{outline:3px solid #a85400;outline-offset:2px}\n"
      ".note{color:#444;font-size:.95rem}\n"
      // Long tokens (feed addresses, signing keys) wrap anywhere rather than run off a phone.
      "code{overflow-wrap:anywhere;word-break:break-all}\n"
      ".secret{border:3px solid #1a4d8f;border-radius:4px;padding:.5rem 1rem;margin:1rem 0}\n"
      ".secret-value{display:block;padding:.6rem;background:#f3f6fa;border:1px solid #767676;font-size:1.05rem;"
      "user-select:all}\n"
      "ul.endpoints{list-style:none;padding:0}\n"
      "li.endpoint{border:1px solid #767676;border-radius:4px;padding:.3rem .8rem;margin:.6rem 0}\n"
      "li.endpoint p{margin:.3rem 0}\n"
      ".state{margin-left:.5rem;font-weight:bold}.state.ok{color:#0b5d1e}.state.bad{color:#b00020}\n"
      "form.inline{display:inline}\n"
      ".button-link{display:inline-block;padding:.45rem 1rem;border:1px solid #1a4d8f;border-radius:4px;"
      "color:#1a4d8f;text-decoration:none;margin:.2rem 0}\n"
      "footer.site{margin-top:2rem;border-top:1px solid #ccc;color:#444;font-size:.9rem;overflow-wrap:anywhere}\n"
      ".feed-url{overflow-wrap:anywhere;word-break:break-all}\n"
      "</style>\n</head>\n<body>\n<main>\n<h1>";
  html += escape(heading);
  html += "</h1>\n";
  html += body_html;
  html += "\n</main>\n";
  html += footer_html(site_footer());
  html += "</body>\n</html>\n";
  return html;
}

}  // namespace deadline::web
