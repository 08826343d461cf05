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
  return "<section aria-labelledby=\"feed-heading\">\n<h2 id=\"feed-heading\">" + escape(heading) + "</h2>\n<ul>\n<li>" +
         link(links.webcal, "用日历应用订阅（webcal）") + "</li>\n<li>" + link(links.google, "添加到 Google 日历") +
         "</li>\n<li>" + link(links.outlook, "添加到 Outlook 日历") + "</li>\n<li>订阅地址：<code>" +
         escape(links.url) + "</code></li>\n</ul>\n<p class=\"note\">" + escape(ical::kFeedRefreshNote) +
         "</p>\n</section>\n";
}

}  // namespace deadline::web
