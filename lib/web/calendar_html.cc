#include "web/calendar_html.h"

#include "base/url_encode.h"
#include "render/reminder_view.h"
#include "web/page.h"
#include "wording/subscription_wording.h"

namespace deadline::web {

namespace {

// Colours checked for contrast (WCAG 2.1 AA): badge texts 7.2:1, 7.5:1 and (已撤回) 8.1:1 on their
// backgrounds; error red 7.3:1, field borders #555 7.5:1, fieldset borders #767676 4.5:1, all on white.
constexpr std::string_view kStyle =
    "<style>\n"
    "a:focus,input:focus,button:focus{outline:3px solid #a85400;outline-offset:2px}\n"
    ".badge{display:inline-block;padding:0 .45em;margin-right:.35em;border:1px solid;border-radius:3px;"
    "font-size:.85rem;font-weight:bold;white-space:nowrap}\n"
    ".badge.confirmed{color:#0b5d1e;background:#e9f5ec}\n"
    ".badge.estimated{color:#7a4100;background:#fff4e0;border-style:dashed}\n"
    ".badge.closed{color:#444;background:#eee}\n"
    ".badge.cancelled{color:#8a1c1c;background:#fdecec}\n"
    "ol.windows{list-style:none;padding:0;margin:0}\n"
    "ol.windows>li{border-top:1px solid #ccc;padding:.6rem 0}\n"
    "ol.windows h3{font-size:1.05rem;margin:0 0 .2rem}\n"
    "ol.windows p{margin:.2rem 0}\n"
    ".days{font-weight:bold}\n"
    "dl.facts dt{font-weight:bold;margin-top:.6rem}\n"
    "dl.facts dd{margin:0;overflow-wrap:anywhere}\n"
    "fieldset{border:1px solid #767676;border-radius:4px;margin:1rem 0;padding:.5rem .8rem}\n"
    "legend{font-weight:bold;padding:0 .3rem}\n"
    ".field{margin:1rem 0}\n"
    ".field>label{display:block;font-weight:bold}\n"
    "input[type=email],input[type=text],input[type=url],select{display:block;width:100%;box-sizing:border-box;font-size:1rem;"
    "padding:.5rem;border:2px solid #555;border-radius:4px}\n"
    ".choice{display:flex;gap:.5rem;align-items:flex-start;padding:.3rem 0}\n"
    ".choice input{width:1.25rem;height:1.25rem;margin:.2rem 0 0;flex:none}\n"
    ".error{color:#b00020;font-weight:bold;margin:.2rem 0}\n"
    "input[aria-invalid=true]{border-color:#b00020}\n"
    ".error-summary{border:3px solid #b00020;padding:.5rem 1rem;margin:1rem 0}\n"
    ".error-summary h3{margin:.2rem 0;font-size:1.05rem}\n"
    ".error-summary a{color:#b00020}\n"
    "</style>\n";

// wording::time_left_text, as reminders and robots say it.
std::string days_text(const render::ReminderView& view) { return view.days_left_text; }

}  // namespace

std::string_view calendar_style() { return kStyle; }

std::string programme_href(std::string_view programme_id) { return "/programmes/" + url_encode(programme_id); }

std::string subscribe_href(std::string_view programme_id) {
  return "/?programme=" + url_encode(programme_id) + "#subscribe";
}

std::string window_item(const Programme& programme, const Window& window, Instant now, bool titled) {
  const render::ReminderView view = render::make_reminder_view(programme, window, "", now);
  const bool closed = window.closes.at <= now;
  std::string html = closed ? "<li class=\"closed\">\n" : "<li>\n";
  if (titled) {
    html += "<h3><a href=\"" + escape(programme_href(programme.id)) + "\">" + escape(programme.title) + "</a></h3>\n";
  }
  if (window.cancelled()) {
    // Withdrawn by a notice: no deadline to count down to; the phrase below says why.
    html += "<p><span class=\"badge cancelled\">已撤回</span>原定截止：" + escape(view.closes_text) + "</p>\n";
    html += "<p class=\"phrase\">原文：<q>" + escape(view.phrase) + "</q></p>\n</li>\n";
    return html;
  }
  html += view.estimated ? "<p><span class=\"badge estimated\">预计</span>" : "<p><span class=\"badge confirmed\">已确认</span>";
  if (closed) html += "<span class=\"badge closed\">已截止</span>";
  // One label for the close whatever its precision (wording/subscription_wording.h); a month
  // estimate that opens in the same month says so on its own line like any other opening.
  html += std::string(wording::kCloseLabel) + escape(view.closes_text);
  if (!closed) html += " <span class=\"days\">" + escape(days_text(view)) + "</span>";
  html += "</p>\n";
  if (!view.cap_reason.empty()) html += "<p class=\"cap\">为何提前：" + escape(view.cap_reason) + "</p>\n";
  if (!view.opens_text.empty()) html += "<p>" + std::string(wording::kOpenLabel) + escape(view.opens_text) + "</p>\n";
  html += "<p class=\"phrase\">原文：<q>" + escape(view.phrase) + "</q></p>\n";
  html += "<p class=\"note\">办理方：" + escape(view.actor);
  if (window.projected_from) html += "；按" + std::to_string(*window.projected_from) + "年的申报时间推算";
  html += "</p>\n</li>\n";
  return html;
}

std::string sources_note(const Calendar& calendar) {
  std::string html = "<footer class=\"note\">\n";
  for (const Edition& edition : calendar.editions()) {
    html += "<p>数据来源：《" + escape(edition.title) + "》";
    if (!edition.publisher.empty()) html += "（" + escape(edition.publisher) + "）";
    html += "。";
    if (!edition.disclaimer.empty()) html += escape(edition.disclaimer) + "。";
    html += "</p>\n";
  }
  html += "<p>“已确认”表示通知写明了截止时间；“预计”表示只知道大致月份（或按往年时间推算），以当年正式通知为准；"
          "“已撤回”表示通知已取消该次申报。</p>\n";
  html += "</footer>\n";
  return html;
}

}  // namespace deadline::web
