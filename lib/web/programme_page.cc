#include "web/programme_page.h"

#include <algorithm>

#include "base/url_encode.h"
#include "render/change_view.h"
#include "render/reminder_view.h"
#include "web/calendar_html.h"
#include "web/feed_links.h"
#include "web/page.h"

namespace deadline::web {

namespace {

std::string fact(std::string_view term, std::string_view definition_html) {
  return "<dt>" + std::string(term) + "</dt>\n<dd>" + std::string(definition_html) + "</dd>\n";
}

std::string phones_html(const std::vector<Phone>& phones) {
  std::string html;
  for (const Phone& phone : phones) {
    if (!html.empty()) html += "<br>\n";
    // The loader accepts only 0AA-NNNNNNNN forms (calendar/checks.h), safe in a tel: link.
    html += "<a href=\"tel:" + escape(phone.number) + "\">" + escape(phone.number) + "</a>";
    if (phone.area_code_inferred) html += "（区号为推定）";
  }
  return html;
}

std::string source_html(const Calendar& calendar, const Programme& programme) {
  const auto edition = std::find_if(calendar.editions().begin(), calendar.editions().end(),
                                    [&](const Edition& e) { return e.id == programme.edition_id; });
  std::string html = edition == calendar.editions().end() ? escape(programme.edition_id)
                                                          : "《" + escape(edition->title) + "》";
  if (programme.page > 0) html += "第 " + std::to_string(programme.page) + " 页";
  if (programme.number > 0) html += "，申报要点第 " + std::to_string(programme.number) + " 项";
  return html;
}

// The windows a released revision withdrew from the calendar (web/change_record.h), listed
// after those in force until their old close, so a clerk who saw a date before learns it is gone
// (a cancelled window is still in the calendar and shows with its own 已撤回 badge).
std::string withdrawn_items(const std::vector<const Window*>& windows, const std::vector<ChangeEntry>& changes,
                            Instant now) {
  std::string html;
  for (const WindowChange& c : withdrawn_windows(changes, windows, now)) {
    const render::ChangeView view = render::make_change_view({c.window_id, c.kinds, false, c.before, std::nullopt, ""}, now);
    const std::string was = view.previous ? view.previous->closes_text : std::string();
    html += "<li class=\"withdrawn\"><h3>" + escape(view.tag) + "原截止：" + escape(was) + "</h3>\n<p>原文：「" +
            escape(c.before->phrase) + "」</p>\n<p>" + escape(view.advice) + "</p></li>\n";
  }
  return html;
}

}  // namespace

std::string programme_page(const Calendar& calendar, const Programme& programme, Instant now,
                           std::string_view public_url, const std::vector<ChangeEntry>& changes) {
  std::string body(calendar_style());
  body += "<p><a href=\"/\">返回首页</a></p>\n";
  const std::vector<const Window*> windows = calendar.windows_of(programme.id);
  // What a clerk comes for first: the next deadline and how to apply; the long eligibility text
  // and the programme's particulars after.
  const auto next = std::find_if(windows.begin(), windows.end(),
                                 [&](const Window* w) { return w->closes.at > now && !w->cancelled(); });
  body += "<section aria-labelledby=\"next-heading\">\n<h2 id=\"next-heading\">下一个截止</h2>\n";
  body += next == windows.end() ? "<p>目前没有尚未截止的申报批次，下方列出以往的申报时间。</p>\n"
                                : "<ol class=\"windows\">\n" + window_item(programme, **next, now, false) + "</ol>\n";
  body += "</section>\n";
  body += "<section aria-labelledby=\"apply-heading\">\n<h2 id=\"apply-heading\">如何申报</h2>\n<dl class=\"facts\">\n";
  body += fact("联系单位", escape(programme.contact));
  if (!programme.phones.empty()) body += fact("咨询电话", phones_html(programme.phones));
  // Submission systems, mailboxes, forms pages, postal addresses: as printed; a misprint 原文如此.
  for (const render::AddressView& a : render::addresses_for_people(programme.addresses)) {
    body += fact(escape(a.label), render::address_html(a, "rel=\"noopener noreferrer\""));
  }
  if (!programme.link.empty()) {
    body += fact("原文链接", "<a href=\"" + escape(programme.link) + "\" rel=\"noopener noreferrer\">" +
                                 escape(programme.link) + "</a>");
  }
  body += "</dl>\n";
  body += "<p><a href=\"" + escape(subscribe_href(programme.id)) + "\">订阅此项目的提醒</a></p>\n</section>\n";

  body += "<section aria-labelledby=\"windows-heading\">\n<h2 id=\"windows-heading\">申报时间</h2>\n";
  const std::string withdrawn = withdrawn_items(windows, changes, now);
  if (windows.empty() && withdrawn.empty()) {
    body += "<p>手册没有写明申报时间。</p>\n";
  } else {
    body += "<ol class=\"windows\">\n";
    for (const Window* w : windows) body += window_item(programme, *w, now, false);
    body += withdrawn + "</ol>\n";
  }
  body += "</section>\n";

  body += "<section aria-labelledby=\"about-heading\">\n<h2 id=\"about-heading\">项目信息</h2>\n<dl class=\"facts\">\n";
  if (!programme.authority.empty()) body += fact("主管部门", escape(programme.authority));
  body += fact("所属部门", escape(programme.group));
  body += fact("类别", escape(programme.category));
  if (!programme.eligibility.empty()) body += fact("申报条件", escape(programme.eligibility));
  body += fact("出处", source_html(calendar, programme));
  std::string recurs = programme.recurs ? "是" : "否";
  if (!programme.recurs_reason.empty()) recurs += "。" + escape(programme.recurs_reason);
  body += fact("每年申报", recurs);
  body += "</dl>\n</section>\n";
  if (!public_url.empty()) {
    body += feed_links_html(feed_links(public_url, "/calendar.ics?programme=" + url_encode(programme.id), programme.title),
                            "把这个项目的截止时间加入日历");
  }
  body += change_record_html(changes);
  body += sources_note(calendar);
  return page(programme.title, body);
}

std::string removed_programme_page(const std::vector<ChangeEntry>& changes, Instant now) {
  std::string body(calendar_style());
  body += "<p><a href=\"/\">返回首页</a></p>\n";
  body += "<p>该项目已不在申报日历中（见下方变更记录），无需再为它准备申报；如有疑问，请以发布单位的通知为准。</p>\n";
  const std::string withdrawn = withdrawn_items({}, changes, now);
  if (!withdrawn.empty()) {
    body += "<section aria-labelledby=\"windows-heading\">\n<h2 id=\"windows-heading\">申报时间</h2>\n";
    body += "<ol class=\"windows\">\n" + withdrawn + "</ol>\n</section>\n";
  }
  body += change_record_html(changes);
  return page(changes.front().change.either().title, body);
}

}  // namespace deadline::web
