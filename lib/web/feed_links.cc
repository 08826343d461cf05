#include "web/feed_links.h"

#include "base/url_encode.h"
#include "ical/feed_book.h"
#include "web/page.h"

namespace deadline::web {

FeedLinks feed_links(std::string_view public_url, std::string_view path_and_query, std::string_view name) {
  FeedLinks links;
  links.url = std::string(public_url) + std::string(path_and_query);
  const std::size_t scheme_end = links.url.find("://");
  links.webcal = "webcal" + links.url.substr(scheme_end == std::string::npos ? links.url.size() : scheme_end);
  links.google = "https://calendar.google.com/calendar/render?cid=" + url_encode(links.webcal);
  links.outlook = "https://outlook.live.com/calendar/0/addfromweb?url=" + url_encode(links.url) +
                  "&name=" + url_encode(name);
  return links;
}

std::string feed_links_html(const FeedLinks& links, std::string_view heading) {
  const auto link = [](const std::string& href, std::string_view text) {
    return "<a href=\"" + escape(href) + "\" rel=\"noopener noreferrer\">" + std::string(text) + "</a>";
  };
  // What works in mainland China first: the webcal link (Apple and Outlook calendars, and the
  // calendars of Huawei, Xiaomi, OPPO and vivo phones open it as a subscription) and the plain
  // address to paste; Google (unreachable there) and Outlook on the web after them.
  return "<section aria-labelledby=\"feed-heading\">\n<h2 id=\"feed-heading\">" + escape(heading) + "</h2>\n<ul class=\"feeds\">\n<li>" +
         link(links.webcal, "用手机或电脑的日历应用订阅") +
         "<br><span class=\"note\">苹果日历、Outlook 以及华为、小米、OPPO、vivo 等手机自带的日历可直接打开。</span></li>\n"
         "<li>或复制订阅地址，粘贴到日历应用的“添加订阅日历”中：<code class=\"feed-url\">" +
         escape(links.url) + "</code></li>\n<li>" + link(links.google, "添加到 Google 日历") + "（需能访问 Google）</li>\n<li>" +
         link(links.outlook, "添加到 Outlook 网页版日历") + "</li>\n</ul>\n<p class=\"note\">" +
         escape(ical::kFeedRefreshNote) + "</p>\n</section>\n";
}

}  // namespace deadline::web
