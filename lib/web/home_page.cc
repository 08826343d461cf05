#include "web/home_page.h"

#include <algorithm>

#include "base/text.h"
#include "calendar/upcoming.h"
#include "web/calendar_html.h"
#include "web/feed_links.h"
#include "web/lead_labels.h"
#include "web/page.h"
#include "wording/subscription_wording.h"

namespace deadline::web {

namespace {

struct Choice {
  std::string value;
  std::string label;
};

// The form's fields in page order, and the control a summary link moves to.
struct FieldAnchor {
  std::string_view field;
  std::string_view anchor;
};
constexpr FieldAnchor kFields[] = {{"email", "email"},         {"programme", "programme-0"}, {"group", "group-0"},
                                   {"category", "category-0"}, {"keyword", "keyword"},       {"lead", "lead-0"},
                                   {"consent", "consent"}};


const std::string* error_of(const FormErrors& errors, std::string_view field) {
  const auto it = errors.find(std::string(field));
  return it == errors.end() ? nullptr : &it->second;
}

std::string error_paragraph(const FormErrors& errors, std::string_view field) {
  const std::string* message = error_of(errors, field);
  if (!message) return {};
  return "<p class=\"error\" id=\"" + std::string(field) + "-error\">" + escape(*message) + "</p>\n";
}

// aria-describedby: the hint, then the error when there is one.
std::string described_by(const FormErrors& errors, std::string_view field) {
  std::string ids = std::string(field) + "-hint";
  if (error_of(errors, field)) ids += " " + std::string(field) + "-error";
  return " aria-describedby=\"" + ids + "\"";
}

std::string hint(std::string_view field, std::string_view text) {
  return "<p class=\"note\" id=\"" + std::string(field) + "-hint\">" + std::string(text) + "</p>\n";
}

std::string checkboxes(std::string_view field, std::string_view legend, std::string_view hint_html,
                       const std::vector<Choice>& choices, const std::vector<std::string>& checked,
                       const FormErrors& errors) {
  std::string html = "<fieldset" + described_by(errors, field) + ">\n<legend>" + std::string(legend) + "</legend>\n";
  html += hint(field, hint_html);
  html += error_paragraph(errors, field);
  for (std::size_t i = 0; i < choices.size(); ++i) {
    const std::string id = std::string(field) + "-" + std::to_string(i);
    html += "<div class=\"choice\"><input type=\"checkbox\" id=\"" + id + "\" name=\"" + std::string(field) +
            "\" value=\"" + escape(choices[i].value) + "\"" + (contains(checked, choices[i].value) ? " checked" : "") +
            "><label for=\"" + id + "\">" + escape(choices[i].label) + "</label></div>\n";
  }
  return html + "</fieldset>\n";
}

std::string text_input(std::string_view field, std::string_view type, std::string_view label,
                       std::string_view hint_html, std::string_view value, std::string_view extra,
                       const FormErrors& errors) {
  std::string html = "<div class=\"field\">\n<label for=\"" + std::string(field) + "\">" + std::string(label) + "</label>\n";
  html += hint(field, hint_html);
  html += error_paragraph(errors, field);
  html += "<input type=\"" + std::string(type) + "\" id=\"" + std::string(field) + "\" name=\"" + std::string(field) +
          "\" value=\"" + escape(value) + "\"" + std::string(extra) + described_by(errors, field) +
          (error_of(errors, field) ? " aria-invalid=\"true\"" : "") + ">\n";
  return html + "</div>\n";
}

std::string error_summary(const FormErrors& errors) {
  if (errors.empty()) return {};
  std::string items;
  for (const FieldAnchor& f : kFields) {
    if (const std::string* message = error_of(errors, f.field)) {
      items += "<li><a href=\"#" + std::string(f.anchor) + "\">" + escape(*message) + "</a></li>\n";
    }
  }
  for (const auto& [field, message] : errors) {  // anything not tied to a field of this form
    const bool known = std::any_of(std::begin(kFields), std::end(kFields), [&](const FieldAnchor& f) { return f.field == field; });
    if (!known) items += "<li>" + escape(message) + "</li>\n";
  }
  return "<div class=\"error-summary\" role=\"alert\" aria-labelledby=\"error-summary-title\">\n"
         "<h3 id=\"error-summary-title\">提交的内容有 " + std::to_string(errors.size()) +
         " 处需要修改</h3>\n<ul>\n" + items + "</ul>\n</div>\n";
}

std::string upcoming_section(const Calendar& calendar, Instant now) {
  std::string html =
      "<section aria-labelledby=\"upcoming-heading\">\n<h2 id=\"upcoming-heading\">近期申报截止（今后" +
      std::to_string(kHomeUpcomingDays.count()) + "天）</h2>\n";
  const std::vector<const Window*> windows = upcoming_windows(calendar, {now, kHomeUpcomingDays});
  if (windows.empty()) {
    html += "<p>今后" + std::to_string(kHomeUpcomingDays.count()) + "天内没有已知的申报截止时间。</p>\n";
  } else {
    html += "<ol class=\"windows\">\n";
    for (const Window* w : windows) {
      if (const Programme* p = calendar.find_programme(w->programme_id)) html += window_item(*p, *w, now, true);
    }
    html += "</ol>\n";
  }
  return html + "</section>\n";
}

std::string lead_hint(const std::vector<Lead>& menu) {
  std::string text = "至少选一个。每个申报截止前，会在所选的各个时间分别发送提醒。";
  const auto has = [&](LeadKind kind) {
    return std::any_of(menu.begin(), menu.end(), [&](const Lead& lead) { return lead.kind == kind; });
  };
  if (has(LeadKind::opens)) text += "“开始申报时”只用于写明开始时间的项目。";
  if (has(LeadKind::hours_before)) text += "按小时的提醒只用于写明具体截止时刻的项目。";
  return text;
}

// The 个人信息说明 and the consent box, not pre-ticked unless the form comes back with it ticked.
std::string consent_fields(const SubscribeForm& values, const FormErrors& errors, const HomeExtras& extras) {
  const SiteFooter& site = site_footer();
  std::string html = "<h3 id=\"privacy-heading\">个人信息说明</h3>\n<div id=\"consent-hint\">\n" +
                     wording::privacy_notice_html(extras.unsubscribed_days, extras.finished_message_days,
                                                  site.operator_name, site.operator_contact) +
                     "</div>\n";
  html += error_paragraph(errors, "consent");
  html += "<div class=\"choice\"><input type=\"checkbox\" id=\"consent\" name=\"consent\" value=\"yes\" required" +
          std::string(values.consent ? " checked" : "") + described_by(errors, "consent") +
          (error_of(errors, "consent") ? " aria-invalid=\"true\"" : "") + "><label for=\"consent\">" +
          escape(wording::kConsentLabel) + "</label></div>\n";
  return html;
}

std::string subscribe_section(const Calendar& calendar, const std::vector<Lead>& lead_menu,
                              const SubscribeForm& values, const FormErrors& errors, const HomeExtras& extras) {
  std::string html = "<section id=\"subscribe\" aria-labelledby=\"subscribe-heading\">\n"
                     "<h2 id=\"subscribe-heading\">订阅截止提醒邮件</h2>\n";
  if (!extras.notice.empty()) {
    html += "<div class=\"error-summary\" role=\"alert\"><p>" + escape(extras.notice) + "</p></div>\n";
  }
  html += error_summary(errors);
  // The fragment brings the answer page to the form: with errors, they are what the reader sees.
  html += "<form method=\"post\" action=\"/subscribe#subscribe\" novalidate>\n";
  html += text_input("email", "email", "邮箱地址", "用于接收确认邮件和提醒。", values.email,
                     " autocomplete=\"email\" spellcheck=\"false\" maxlength=\"254\" required", errors);
  html += preference_fields(calendar, lead_menu, values, errors);
  html += consent_fields(values, errors, extras);
  html += "<p class=\"note\">提交后会收到一封确认邮件，点击其中的链接确认后才开始提醒。"
          "每封提醒邮件都可以一键退订。</p>\n";
  html += "<button type=\"submit\">订阅提醒</button>\n</form>\n</section>\n";
  return html;
}

}  // namespace

std::string preference_fields(const Calendar& calendar, const std::vector<Lead>& lead_menu, const SubscribeForm& values,
                              const FormErrors& errors) {
  std::vector<Choice> programmes, groups, categories, leads;
  for (const Programme& p : calendar.programmes()) programmes.push_back({p.id, p.title});
  for (const std::string& g : calendar_groups(calendar)) groups.push_back({g, g});
  for (const std::string& c : calendar_categories(calendar)) categories.push_back({c, c});
  for (const Lead& lead : lead_menu) leads.push_back({lead.id, lead_label(lead)});
  std::string html = "<h3>提醒哪些项目</h3>\n<p>以下各类条件每一类不勾选即不限；勾选了多类时，只提醒同时符合各类条件的项目。</p>\n";
  html += checkboxes("programme", "项目", "不勾选即不限项目。", programmes, values.programmes, errors);
  html += checkboxes("group", "部门", "不勾选即不限部门。", groups, values.groups, errors);
  html += checkboxes("category", "类别", "不勾选即不限类别。", categories, values.categories, errors);
  html += text_input("keyword", "text", "关键词（可选）",
                     "只提醒标题、联系单位或主管部门中含有这个词的项目，最多" + std::to_string(kKeywordMaxChars) + "个字。",
                     values.keyword, " maxlength=\"" + std::to_string(kKeywordMaxChars) + "\"", errors);
  html += "<h3>什么时候提醒</h3>\n";
  html += checkboxes("lead", "提醒时间", lead_hint(lead_menu), leads, values.leads, errors);
  return html;
}

std::string home_page(const Calendar& calendar, Instant now, const std::vector<Lead>& lead_menu,
                      const SubscribeForm& values, const FormErrors& errors, std::string_view public_url,
                      const HomeExtras& extras) {
  std::string body(calendar_style());
  body += "<p>江苏省中小企业惠企政策各申报项目的截止时间；可以订阅截止前的邮件提醒。</p>\n"
          "<p><a href=\"#subscribe\">跳到订阅表单</a></p>\n";
  body += upcoming_section(calendar, now);
  body += subscribe_section(calendar, lead_menu, values, errors, extras);
  if (!public_url.empty()) {
    body += feed_links_html(feed_links(public_url, "/calendar.ics", "申报截止日历"), "把全部截止时间加入日历");
  }
  body += sources_note(calendar);
  // A page with errors says so in its title, which screen readers announce first; the visible
  // heading stays the site's name.
  const std::string site(wording::kSiteName);
  const std::string title = !errors.empty() ? "订阅表单有误 - " + site : !extras.notice.empty() ? "请稍后再提交 - " + site : site;
  return page(title, site, body);
}

}  // namespace deadline::web
