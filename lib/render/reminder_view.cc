#include "render/reminder_view.h"

#include <algorithm>
#include <tuple>

#include "base/html_escape.h"
#include "schedule/planner.h"
#include "domain/message.h"
#include "wording/time_left_wording.h"

namespace deadline::render {

std::vector<std::string> phones_for_people(const std::vector<Phone>& phones) {
  std::vector<std::string> texts;
  texts.reserve(phones.size());
  for (const Phone& phone : phones) texts.push_back(phone.number + (phone.area_code_inferred ? "（区号为推定）" : ""));
  return texts;
}

std::string AddressView::text() const {
  std::string out = name.empty() ? printed : name + " " + printed;
  if (!note.empty()) out += "（" + note + "）";
  return out;
}

std::vector<AddressView> addresses_for_people(const std::vector<Address>& addresses) {
  std::vector<AddressView> views;
  views.reserve(addresses.size());
  for (const Address& a : addresses) {
    AddressView v;
    switch (a.kind) {
      case AddressKind::submission_system: v.label = "网上申报系统"; break;
      case AddressKind::mailbox: v.label = "电子邮箱"; break;
      case AddressKind::forms_page: v.label = "表格下载"; break;
      case AddressKind::postal_address: v.label = "邮寄地址"; break;
    }
    v.name = a.name;
    v.printed = a.printed;
    v.href = a.href();
    if (a.misprint) {
      v.note = "原文如此";
      if (!a.corrected.empty()) {
        v.corrected = a.corrected;
        v.correction_source = a.correction_source;
        v.note += "；更正为 " + a.corrected + "（依据：" + a.correction_source + "）";
      }
    }
    views.push_back(std::move(v));
  }
  return views;
}

std::string address_html(const AddressView& a, std::string_view anchor_attributes) {
  const auto anchor = [&](std::string_view text) {
    std::string html = "<a href=\"" + html_escape(a.href) + "\"";
    if (!anchor_attributes.empty()) html += " " + std::string(anchor_attributes);
    return html + ">" + html_escape(text) + "</a>";
  };
  std::string html = a.name.empty() ? std::string() : html_escape(a.name) + " ";
  if (a.note.empty()) {
    html += a.href.empty() ? html_escape(a.printed) : anchor(a.printed);
    return html;
  }
  // A misprint: the printed form as text; a recorded correction is what the link shows.
  html += html_escape(a.printed) + "（原文如此";
  if (!a.corrected.empty()) {
    html += "；更正为 " + (a.href.empty() ? html_escape(a.corrected) : anchor(a.corrected));
    html += "（依据：" + html_escape(a.correction_source) + "）";
  }
  return html + "）";
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
  view.addresses = addresses_for_people(programme.addresses);
  view.phrase = window.phrase;
  view.estimated = window.estimated();
  view.status_label = window.cancelled() ? "已撤回" : view.estimated ? "预计" : "已确认";
  view.closes_text = close_for_people(window.closes, *window.zone, view.estimated);
  if (window.opens) view.opens_text = open_for_people(*window.opens, *window.zone, view.estimated);
  view.actor = window.actor;
  if (window.cap) view.cap_reason = window.cap->reason;
  view.days_left = days_left(window, now);
  view.days_left_text = wording::time_left_text(view.days_left, view.estimated);
  view.test = lead == kTestLead;
  view.lead = std::move(lead);
  view.closes = window.closes.at;
  return view;
}

bool only_tests(const std::vector<ReminderView>& views) {
  return !views.empty() && std::all_of(views.begin(), views.end(), [](const ReminderView& v) { return v.test; });
}

void sort_for_reading(std::vector<ReminderView>& views) {
  std::stable_sort(views.begin(), views.end(), [](const ReminderView& a, const ReminderView& b) {
    return std::tie(a.closes, a.title, a.lead) < std::tie(b.closes, b.title, b.lead);
  });
}

}  // namespace deadline::render
