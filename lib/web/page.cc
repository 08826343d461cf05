#include "web/page.h"

namespace deadline::web {

std::string page(std::string_view title, std::string_view body_html) {
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
      "</style>\n</head>\n<body>\n<main>\n<h1>";
  html += escape(title);
  html += "</h1>\n";
  html += body_html;
  html += "\n</main>\n</body>\n</html>\n";
  return html;
}

}  // namespace deadline::web
