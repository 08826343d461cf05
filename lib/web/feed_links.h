#pragma once
// How the pages offer a calendar feed: the https address, a webcal:// link that calendar apps
// open as a subscription, Google's and Outlook's "add by URL" links, and the plain warning that
// subscribed calendars refresh slowly. Pure.

#include <string>
#include <string_view>

namespace deadline::web {

struct FeedLinks {
  std::string url;       // public_url + path: what to paste into any calendar app
  std::string webcal;    // the same with the webcal scheme
  std::string google;    // calendar.google.com "add by URL" (cid = the webcal address)
  std::string outlook;   // outlook.live.com "add from web"
};

// `path_and_query` starts with '/' ("/calendar.ics?programme=…", "/feeds/TOKEN.ics").
FeedLinks feed_links(std::string_view public_url, std::string_view path_and_query, std::string_view name);

// A <section> titled `heading`: the links, escaped, in this order: the webcal link and the plain
// address to copy (what works in mainland China), then Google and Outlook; and the refresh note
// (ical::kFeedRefreshNote).
std::string feed_links_html(const FeedLinks& links, std::string_view heading);

}  // namespace deadline::web
