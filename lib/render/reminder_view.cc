#include "render/reminder_view.h"

#include <algorithm>
#include <tuple>

#include "schedule/planner.h"

namespace deadline::render {

namespace {

std::string days_left_text(int days) {
  if (days < 0) return "已截止";
  if (days == 0) return "今天截止";
  return "还剩 " + std::to_string(days) + " 天";
}

}  // namespace

std::vector<std::string> phones_for_people(const std::vector<Phone>& phones) {
  std::vector<std::string> texts;
  texts.reserve(phones.size());
  for (const Phone& phone : phones) texts.push_back(phone.number + (phone.area_code_inferred ? "（区号为推定）" : ""));
  return texts;
}

ReminderView make_reminder_view(const Programme& programme, const Window& window, std::string lead, Instant now) {
  ReminderView view;
  view.programme_id = programme.id;
  view.title = programme.title;
  view.contact = programme.contact;
  view.authority = programme.authority;
  view.group = programme.group;
  view.category = programme.category;
  view.eligibility = programme.eligibility;
  view.link = programme.link;
  view.phones = phones_for_people(programme.phones);
  view.phrase = window.phrase;
  view.estimated = window.estimated();
  view.status_label = view.estimated ? "预计" : "已确认";
  view.closes_text = close_for_people(window.closes, *window.zone, view.estimated);
  if (window.opens) view.opens_text = open_for_people(*window.opens, *window.zone, view.estimated);
  view.actor = window.actor;
  if (window.cap) view.cap_reason = window.cap->reason;
  view.days_left = days_left(window, now);
  view.days_left_text = days_left_text(view.days_left);
  view.lead = std::move(lead);
  view.closes = window.closes.at;
  return view;
}

void sort_for_reading(std::vector<ReminderView>& views) {
  std::stable_sort(views.begin(), views.end(), [](const ReminderView& a, const ReminderView& b) {
    return std::tie(a.closes, a.title, a.lead) < std::tie(b.closes, b.title, b.lead);
  });
}

}  // namespace deadline::render
