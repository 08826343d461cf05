#include "ical/window_event.h"

#include "render/reminder_view.h"

namespace deadline::ical {

namespace {

using namespace std::chrono_literals;

// When the event sits in the calendar, from the precision the close is known to.
std::variant<IcalEvent::Timed, IcalEvent::AllDay> when(const Bound& close, const date::time_zone& zone) {
  if (close.spec.precision == Precision::instant) {
    // An hour ending at the close: "24:00" on the 18th stays on the 18th in every app.
    return IcalEvent::Timed{close.at - 1h, close.at};
  }
  // A closing bound is the end of its period (the next day's, month's or year's start), so the
  // last day it covers is the local date one second before it.
  const date::year_month_day last{date::floor<date::days>(zone.to_local(close.at - 1s))};
  switch (close.spec.precision) {
    case Precision::year: {
      const date::year_month_day first = last.year() / date::January / 1;
      return IcalEvent::AllDay{first, first + date::years{1}};
    }
    case Precision::month: {
      const date::year_month_day first = last.year() / last.month() / 1;
      return IcalEvent::AllDay{first, first + date::months{1}};
    }
    case Precision::day:
    case Precision::instant:
      break;
  }
  return IcalEvent::AllDay{last, date::year_month_day{date::sys_days{last} + date::days{1}}};
}

std::string description(const Programme& programme, const Window& window, const date::time_zone& zone) {
  const bool estimated = window.estimated();
  std::vector<std::string> lines;
  lines.push_back("原文：" + window.phrase);
  lines.push_back("截止：" + close_for_people(window.closes, zone, estimated));
  if (window.cap) lines.push_back("为何提前：" + window.cap->reason);
  if (window.opens) lines.push_back("开始：" + open_for_people(*window.opens, zone, estimated));
  if (estimated) lines.push_back("此为按往年安排推算的预计时间，具体以当年通知为准");
  if (!window.actor.empty()) lines.push_back("办理：" + window.actor);
  if (!programme.eligibility.empty()) lines.push_back("申报条件：" + programme.eligibility);
  std::string contact = programme.contact;
  std::string phones;
  for (const std::string& phone : render::phones_for_people(programme.phones)) {
    phones += (phones.empty() ? "" : "、") + phone;
  }
  if (!phones.empty()) contact += (contact.empty() ? "" : " ") + phones;
  if (!contact.empty()) lines.push_back("联系：" + contact);
  if (!programme.authority.empty()) lines.push_back("主管部门：" + programme.authority);
  if (!programme.link.empty()) lines.push_back("链接：" + programme.link);

  std::string text;
  for (const std::string& line : lines) text += (text.empty() ? "" : "\n") + line;
  return text;
}

}  // namespace

std::string window_uid(const Window& window, std::string_view host) {
  return window.programme_id + "-" + std::to_string(window.cycle) + "-" + window.key + "@" + std::string(host);
}

IcalEvent window_event(const Programme& programme, const Window& window, std::string_view host,
                       const date::time_zone& zone) {
  IcalEvent event;
  event.uid = window_uid(window, host);
  event.summary = std::string(window.cancelled() ? "【已撤回】" : window.estimated() ? "【预计】" : "") + "截止：" +
                  programme.title +
                  (window.actor.empty() ? "" : "（" + window.actor + "）");
  event.description = description(programme, window, zone);
  event.url = programme.link;
  for (const std::string* category : {&programme.group, &programme.category}) {
    if (!category->empty()) event.categories.push_back(*category);
  }
  event.tentative = window.estimated();
  event.cancelled = window.cancelled();
  event.when = when(window.closes, zone);
  return event;
}

}  // namespace deadline::ical
