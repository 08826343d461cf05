#include "web/subscribe_form.h"

#include <algorithm>
#include <set>

#include "base/hex.h"
#include "base/text.h"
#include "mail/utf8.h"
#include "subscription/email_address.h"
#include "wording/subscription_wording.h"

namespace deadline::web {

namespace {

int hex_value(char c) { return hex_digit_value(c); }

std::string valid_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    const mail::utf8::CodePoint cp = mail::utf8::decode(bytes, i);
    if (cp.length == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    } else {
      out += bytes.substr(i, cp.length);
      i += cp.length;
    }
  }
  return out;
}

std::string form_decode(std::string_view text) {
  std::string bytes;
  bytes.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const int high = c == '%' && i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
    const int low = high >= 0 ? hex_value(text[i + 2]) : -1;
    if (c == '+') {
      bytes += ' ';
    } else if (low >= 0) {
      bytes += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      bytes += c;
    }
  }
  return valid_utf8(bytes);
}



// A repeated field's values in order, each once.
class Collected {
 public:
  explicit Collected(std::vector<std::string>& values) : values_(values) {}
  void add(std::string value) {
    if (!value.empty() && seen_.insert(value).second) values_.push_back(std::move(value));
  }

 private:
  std::vector<std::string>& values_;
  std::set<std::string> seen_;
};

std::vector<std::string> distinct(const Calendar& calendar, std::string Programme::*field) {
  std::vector<std::string> values;
  for (const Programme& p : calendar.programmes()) {
    if (!(p.*field).empty() && !contains(values, p.*field)) values.push_back(p.*field);
  }
  return values;
}

bool has_control_character(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const mail::utf8::CodePoint cp = mail::utf8::decode(text, i);
    if (cp.length == 0) return false;  // reported as invalid UTF-8 instead
    if (cp.value < 0x20 || (cp.value >= 0x7f && cp.value < 0xa0)) return true;
    i += cp.length;
  }
  return false;
}

}  // namespace

std::string trim_form_text(std::string_view text) {
  constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";
  const auto ascii_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; };
  for (;;) {
    if (!text.empty() && ascii_space(text.front())) {
      text.remove_prefix(1);
    } else if (text.starts_with(kIdeographicSpace)) {
      text.remove_prefix(kIdeographicSpace.size());
    } else if (!text.empty() && ascii_space(text.back())) {
      text.remove_suffix(1);
    } else if (text.ends_with(kIdeographicSpace)) {
      text.remove_suffix(kIdeographicSpace.size());
    } else {
      return std::string(text);
    }
  }
}

SubscribeForm parse_subscribe_form(std::string_view body) {
  SubscribeForm form;
  Collected programmes(form.programmes), groups(form.groups), categories(form.categories), leads(form.leads);
  bool have_email = false, have_keyword = false;
  while (!body.empty()) {
    const std::size_t amp = body.find('&');
    const std::string_view piece = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    if (piece.empty()) continue;
    const std::size_t eq = piece.find('=');
    const std::string name = form_decode(piece.substr(0, eq));
    std::string value = eq == std::string_view::npos ? std::string{} : form_decode(piece.substr(eq + 1));
    if (name == "consent") {
      form.consent = form.consent || !value.empty();
    } else if (name == "email") {
      if (!have_email) form.email = typed_email_address(trim_form_text(value));
      have_email = true;
    } else if (name == "keyword") {
      if (!have_keyword) form.keyword = trim_form_text(value);
      have_keyword = true;
    } else if (name == "programme") {
      programmes.add(std::move(value));
    } else if (name == "group") {
      groups.add(std::move(value));
    } else if (name == "category") {
      categories.add(std::move(value));
    } else if (name == "lead") {
      leads.add(std::move(value));
    }
  }
  return form;
}

std::string typed_email_address(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const mail::utf8::CodePoint cp = mail::utf8::decode(text, i);
    if (cp.length == 0) {
      out += text[i++];
      continue;
    }
    if (cp.value >= 0xFF01 && cp.value <= 0xFF5E) {
      out += static_cast<char>(cp.value - 0xFEE0);
    } else if (cp.value == 0x3002 || cp.value == 0xFF61) {
      out += '.';
    } else {
      out += text.substr(i, cp.length);
    }
    i += cp.length;
  }
  return out;
}

std::string consent_problem(const SubscribeForm& form) {
  return form.consent ? std::string() : std::string(wording::kConsentRequired);
}

std::vector<std::string> default_leads(const std::vector<Lead>& menu) {
  std::vector<std::string> leads;
  for (const Lead& lead : menu) {
    if (lead.id == "30d" || lead.id == "7d" || lead.id == "1d") leads.push_back(lead.id);
  }
  if (leads.empty()) {
    for (const Lead& lead : menu) leads.push_back(lead.id);
  }
  return leads;
}

std::string form_field(std::string_view body, std::string_view wanted) {
  while (!body.empty()) {
    const std::size_t amp = body.find('&');
    const std::string_view piece = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    const std::size_t eq = piece.find('=');
    if (form_decode(piece.substr(0, eq)) == wanted) {
      return eq == std::string_view::npos ? std::string{} : trim_form_text(form_decode(piece.substr(eq + 1)));
    }
  }
  return {};
}

SubscribeForm subscribe_form_from_link(std::string_view query, const std::vector<Lead>& menu) {
  SubscribeForm parsed = parse_subscribe_form(query);
  SubscribeForm form;
  form.programmes = std::move(parsed.programmes);
  form.groups = std::move(parsed.groups);
  form.categories = std::move(parsed.categories);
  form.leads = default_leads(menu);
  return form;
}

std::vector<std::string> calendar_groups(const Calendar& calendar) { return distinct(calendar, &Programme::group); }

std::vector<std::string> calendar_categories(const Calendar& calendar) {
  return distinct(calendar, &Programme::category);
}

FormErrors validate_subscribe_form(const SubscribeForm& form, const Calendar& calendar, const std::vector<Lead>& menu) {
  FormErrors errors;
  const bool ascii = std::all_of(form.email.begin(), form.email.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (form.email.empty()) {
    errors["email"] = wording::kEmailRequired;
  } else if (!ascii) {
    errors["email"] = wording::kEmailNotAscii;
  } else if (!email_address_problem(form.email).empty()) {
    errors["email"] = wording::kEmailInvalid;
  }

  for (const std::string& id : form.programmes) {
    if (!calendar.find_programme(id)) {
      errors["programme"] = "所选项目已不在日历中，请重新选择";
      break;
    }
  }
  const std::vector<std::string> groups = calendar_groups(calendar);
  for (const std::string& group : form.groups) {
    if (!contains(groups, group)) {
      errors["group"] = "所选部门已不在日历中，请重新选择";
      break;
    }
  }
  const std::vector<std::string> categories = calendar_categories(calendar);
  for (const std::string& category : form.categories) {
    if (!contains(categories, category)) {
      errors["category"] = "所选类别已不在日历中，请重新选择";
      break;
    }
  }
  const bool narrowed = !form.groups.empty() || !form.categories.empty();
  const bool choices_known = !errors.contains("programme") && !errors.contains("group") && !errors.contains("category");
  if (!form.programmes.empty() && narrowed && choices_known) {
    const bool any = std::any_of(form.programmes.begin(), form.programmes.end(), [&](const std::string& id) {
      const Programme* p = calendar.find_programme(id);
      return (form.groups.empty() || contains(form.groups, p->group)) &&
             (form.categories.empty() || contains(form.categories, p->category));
    });
    if (!any) {
      errors["programme"] = "所选项目都不属于所选的部门或类别；各类条件须同时满足，这样将收不到任何提醒。"
                            "请取消部门或类别的勾选，或改选项目";
    }
  }

  if (!mail::utf8::valid(form.keyword)) {
    errors["keyword"] = "关键词含有无法识别的字符";
  } else if (has_control_character(form.keyword)) {
    errors["keyword"] = "关键词不能包含换行等控制字符";
  } else if (mail::utf8::count(form.keyword) > kKeywordMaxChars) {
    errors["keyword"] = "关键词不能超过" + std::to_string(kKeywordMaxChars) + "个字";
  }

  if (form.leads.empty()) {
    errors["lead"] = "请至少选择一个提醒时间";
  } else {
    for (const std::string& id : form.leads) {
      const bool on_menu = std::any_of(menu.begin(), menu.end(), [&](const Lead& lead) { return lead.id == id; });
      if (!on_menu) {
        errors["lead"] = "所选提醒时间不可用，请重新选择";
        break;
      }
    }
  }
  return errors;
}

EndpointFilters filters_of(const SubscribeForm& form) {
  EndpointFilters filters;
  filters.programmes = form.programmes;
  filters.groups = form.groups;
  filters.categories = form.categories;
  if (!form.keyword.empty()) filters.keywords.push_back(form.keyword);
  return filters;
}

}  // namespace deadline::web
