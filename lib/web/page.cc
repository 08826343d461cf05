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
      "</style>\n</head>\n<body>\n<main>\n<h1>";
  html += escape(title);
  html += "</h1>\n";
  html += body_html;
  html += "\n</main>\n</body>\n</html>\n";
  return html;
}

}  // namespace deadline::web
