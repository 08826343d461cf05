#include "mail/reminder_email.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <tuple>

#include "mail/header_encoding.h"
#include "mail/utf8.h"
#include "subscription/email_address.h"
#include "wording/delivery_wording.h"

namespace deadline::mail {

namespace {

constexpr std::size_t kSubjectTitleChars = 60;
constexpr std::size_t kMaxUrlBytes = 2000;
constexpr std::size_t kMaxListUnsubscribeBytes = 900;
constexpr std::chrono::hours kChinaOffset{8};

std::string two_digits(long value) { return (value < 10 ? "0" : "") + std::to_string(value); }

// "2024年10月11日 09:00" in UTC+8.
std::string local_minute(Instant instant) {
  const auto local = instant + kChinaOffset;
  const date::sys_days day = date::floor<date::days>(local);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss clock{local - day};
  return std::to_string(static_cast<int>(ymd.year())) + "年" + std::to_string(static_cast<unsigned>(ymd.month())) +
         "月" + std::to_string(static_cast<unsigned>(ymd.day())) + "日 " + two_digits(clock.hours().count()) + ":" +
         two_digits(clock.minutes().count());
}

// An http(s) URL we made ourselves: printable ASCII without space, quotes or angle brackets.
Status check_url(std::string_view what, std::string_view url, bool https_only, std::size_t max_bytes) {
  const bool https = url.starts_with("https://");
  if (!https && (https_only || !url.starts_with("http://"))) {
    return Status::failure(std::string(what) + " must start with " + (https_only ? "https://" : "http:// or https://"));
  }
  if (url.size() > max_bytes) {
    return Status::failure(std::string(what) + " is longer than " + std::to_string(max_bytes) + " characters");
  }
  for (const char c : url) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f || c == '<' || c == '>' || c == '"' || c == '\'' || c == '\\' ||
        (https_only && (c == ',' || c == ';'))) {
      return Status::failure(std::string(what) + " holds a character that is not allowed in a link");
    }
  }
  return ok_status();
}

bool is_web_link(std::string_view url) {
  return (url.starts_with("https://") || url.starts_with("http://")) &&
         std::none_of(url.begin(), url.end(), [](char c) {
           const auto byte = static_cast<unsigned char>(c);
           return byte <= 0x20 || byte >= 0x7f || c == '"' || c == '<' || c == '>';
         });
}

// One line of subject text: controls and line breaks become spaces, runs of spaces one.
std::string one_line(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool space = byte <= 0x20 || byte == 0x7f;
    if (space) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string short_title(std::string_view title) {
  const std::string line = one_line(title);
  if (!utf8::valid(line) || utf8::count(line) <= kSubjectTitleChars) return line;
  return std::string(utf8::prefix(line, kSubjectTitleChars - 1)) + "…";
}

std::string joined(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string subject_for(const std::vector<render::ReminderView>& views) {
  // A test is marked before anything else: it must not be mistaken for a real reminder.
  const std::string marker = render::only_tests(views) ? std::string(wording::kTestMarker) : std::string();
  std::set<std::string> programmes;
  for (const render::ReminderView& view : views) programmes.insert(view.programme_id);
  if (programmes.size() > 1) return marker + "【申报提醒】" + std::to_string(programmes.size()) + " 个项目即将截止";
  const render::ReminderView& first = views.front();
  const std::string when = first.estimated ? first.closes_text + "截止" : first.days_left_text;
  return marker + "【申报提醒】" + short_title(first.title) + " " + when;
}

constexpr std::string_view kEstimateNote =
    "此为预计时间：手册所列申报时间仅供参考，正式时间以主管部门发布的通知为准，请留意并提前准备。";

std::string days_line(const render::ReminderView& view) {
  if (view.estimated && view.days_left >= 0) return view.days_left_text + "（按预计月份计）";
  return view.days_left_text;
}

// closes_text of an estimate already starts with 预计; a confirmed close says so.
std::string status_note(const render::ReminderView& view) {
  return view.estimated ? std::string() : "（" + view.status_label + "）";
}

std::string text_for(const render::ReminderView& view, std::size_t number) {
  std::string out = std::to_string(number) + ". " + (view.test ? std::string(wording::kTestMarker) : std::string()) +
                    (view.estimated ? "【预计】" : "") + view.title + "\n";
  const auto line = [&out](std::string_view label, std::string_view value) {
    if (value.empty()) return;
    out += "   ";
    out += label;
    out += "：";
    out += value;
    out += "\n";
  };
  line("截止时间", view.closes_text + status_note(view) + "  " + days_line(view));
  line("为何提前", view.cap_reason);
  if (view.estimated) line("说明", kEstimateNote);
  line("开始时间", view.opens_text);
  line("原文", "「" + view.phrase + "」");
  line("办理主体", view.actor);
  line("申报条件", view.eligibility);
  line("联系单位", view.contact);
  line("主管部门", view.authority);
  line("联系电话", joined(view.phones, "、"));
  for (const render::AddressView& a : view.addresses) line(a.label, a.text());
  line("原文链接", view.link);
  line("类别", view.group + (view.category.empty() ? "" : " · " + view.category));
  return out;
}

std::string html_paragraphs(std::string_view text) {
  std::string escaped = html_escape(text);
  std::string out;
  for (const char c : escaped) {
    if (c == '\n') {
      out += "<br>";
    } else {
      out += c;
    }
  }
  return out;
}

std::string html_row(std::string_view label, std::string_view value_html) {
  return "<p style=\"margin:4px 0;\"><span style=\"color:#666666;\">" + html_escape(label) + "：</span>" +
         std::string(value_html) + "</p>\n";
}

// A link whose text is a long URL wraps anywhere rather than run off a phone's screen.
constexpr std::string_view kLinkStyle = "style=\"color:#1a5fb4;overflow-wrap:anywhere;word-break:break-all;\"";

std::string html_link(std::string_view url, std::string_view label) {
  if (!is_web_link(url)) return html_escape(label);
  return "<a href=\"" + html_escape(url) + "\" " + std::string(kLinkStyle) + ">" + html_escape(label) + "</a>";
}

std::string html_for(const render::ReminderView& view, std::size_t number) {
  const std::string accent = view.estimated ? "#e0a800" : "#c0392b";
  std::string out = "<div style=\"border:1px solid #dddddd;border-left:4px solid " + accent +
                    ";padding:12px 16px;margin:16px 0;\">\n";
  out += "<h2 style=\"font-size:17px;line-height:1.4;margin:0 0 8px 0;\">" + std::to_string(number) + ". ";
  if (view.test) out += "<span style=\"color:#1a5fb4;\">" + html_escape(wording::kTestMarker) + "</span>";
  if (view.estimated) out += "<span style=\"color:#9a6700;\">【预计】</span>";
  out += html_escape(view.title) + "</h2>\n";
  out += html_row("截止时间", "<strong>" + html_escape(view.closes_text) + "</strong>" + html_escape(status_note(view)) +
                                 " <strong style=\"color:" + accent + ";\">" + html_escape(days_line(view)) +
                                 "</strong>");
  if (view.estimated) {
    out += "<p style=\"margin:6px 0;padding:6px 8px;background:#fff6e0;border:1px dashed #e0a800;\">" +
           html_escape(kEstimateNote) + "</p>\n";
  }
  if (!view.cap_reason.empty()) out += html_row("为何提前", html_escape(view.cap_reason));
  if (!view.opens_text.empty()) out += html_row("开始时间", html_escape(view.opens_text));
  out += html_row("原文", "「" + html_paragraphs(view.phrase) + "」");
  if (!view.actor.empty()) out += html_row("办理主体", html_escape(view.actor));
  if (!view.eligibility.empty()) out += html_row("申报条件", html_paragraphs(view.eligibility));
  if (!view.contact.empty()) out += html_row("联系单位", html_escape(view.contact));
  if (!view.authority.empty()) out += html_row("主管部门", html_escape(view.authority));
  if (!view.phones.empty()) out += html_row("联系电话", html_escape(joined(view.phones, "、")));
  for (const render::AddressView& a : view.addresses) {
    // Only http(s) and mailto: targets come from the calendar (Address::href); checked again here.
    render::AddressView shown = a;
    if (!shown.href.starts_with("mailto:") && !is_web_link(shown.href)) shown.href.clear();
    out += html_row(a.label, render::address_html(shown, kLinkStyle));
  }
  if (!view.link.empty()) out += html_row("原文链接", html_link(view.link, view.link));
  out += html_row("类别", html_escape(view.group + (view.category.empty() ? "" : " · " + view.category)));
  out += "</div>\n";
  return out;
}

// --- Change notices (render/change_view.h) ---

std::string email_change_subject_for(const std::vector<render::ChangeView>& changes) {
  if (changes.size() > 1) return "【变更】" + std::to_string(changes.size()) + "项申报时间有变化";
  const render::ChangeView& c = changes.front();
  return c.tag + short_title(c.title) + one_line(c.subject_what);
}

std::string email_change_intro(std::size_t changes, std::size_t reminders) {
  const std::string n = std::to_string(changes);
  if (reminders == 0) return changes == 1 ? "您好！您订阅的申报项目有 1 项时间变化：" : "您好！您订阅的申报项目有以下 " + n + " 项时间变化：";
  return "您好！您订阅的申报项目有 " + n + " 项时间变化（列在前面），另有 " + std::to_string(reminders) + " 项申报即将截止。";
}

// The notice a side rests on, as one line of text: "《…》（issuer，date） https://…".
std::string email_change_source_line(const render::ChangeSideView& side) {
  if (side.source_text.empty()) return {};
  return side.source_text + (side.source_url.empty() ? "" : " " + side.source_url);
}

// A side's phrase and notice are shown once when both sides carry the same.
bool email_change_same_phrase(const render::ChangeView& c) {
  return c.previous && c.current && c.previous->phrase == c.current->phrase;
}
bool email_change_same_source(const render::ChangeView& c) {
  return c.previous && c.current && c.previous->source_text == c.current->source_text &&
         c.previous->source_url == c.current->source_url;
}

std::string email_change_text_for(const render::ChangeView& c, std::size_t number) {
  std::string out = std::to_string(number) + ". " + c.tag + c.title + "\n";
  const auto line = [&out](std::string_view indent, std::string_view label, std::string_view value) {
    if (value.empty()) return;
    out += indent;
    out += label;
    out += "：";
    out += value;
    out += "\n";
  };
  line("   ", "变化", c.what);
  const auto side = [&](const render::ChangeSideView& s, bool show_phrase, bool show_source) {
    line("   ", s.label, s.when_text);
    line("     ", "为何提前", s.cap_reason);
    if (show_phrase && !s.phrase.empty()) line("     ", "原文", "「" + s.phrase + "」");
    if (show_source) line("     ", "依据", email_change_source_line(s));
  };
  if (c.previous) side(*c.previous, !email_change_same_phrase(c), !email_change_same_source(c));
  if (c.current) side(*c.current, true, true);
  line("   ", "注意", c.overdue_text);
  line("   ", "建议", c.advice);
  return out;
}

std::string email_change_accent(const render::ChangeView& c) {
  switch (c.headline) {
    case ChangeHeadline::cancelled:
    case ChangeHeadline::estimate_dropped: return "#7f8c8d";
    case ChangeHeadline::reopened:
    case ChangeHeadline::moved: return "#d35400";
    case ChangeHeadline::confirmed: return "#1e8449";
    case ChangeHeadline::added: return "#1a5fb4";
  }
  return "#d35400";
}

std::string email_change_side_html(const render::ChangeSideView& s, bool show_phrase, bool show_source, bool struck) {
  std::string cell = "<span style=\"color:#666666;\">" + html_escape(s.label) + "</span><br>";
  const std::string when = html_escape(s.when_text);
  cell += struck ? "<strong style=\"text-decoration:line-through;color:#666666;\">" + when + "</strong>"
                 : "<strong>" + when + "</strong>";
  if (!s.cap_reason.empty()) cell += "<br><span style=\"font-size:13px;\">为何提前：" + html_escape(s.cap_reason) + "</span>";
  if (show_phrase && !s.phrase.empty()) {
    cell += "<br><span style=\"font-size:13px;\">原文：「" + html_paragraphs(s.phrase) + "」</span>";
  }
  if (show_source && !s.source_text.empty()) {
    cell += "<br><span style=\"font-size:13px;\">依据：" +
            (s.source_url.empty() ? html_escape(s.source_text) : html_link(s.source_url, s.source_text)) + "</span>";
  }
  return cell;
}

std::string email_change_html_for(const render::ChangeView& c, std::size_t number) {
  const std::string accent = email_change_accent(c);
  std::string out = "<div style=\"border:1px solid #dddddd;border-left:4px solid " + accent +
                    ";padding:12px 16px;margin:16px 0;\">\n";
  out += "<h2 style=\"font-size:17px;line-height:1.4;margin:0 0 8px 0;\">" + std::to_string(number) +
         ". <span style=\"color:" + accent + ";\">" + html_escape(c.tag) + "</span>" + html_escape(c.title) + "</h2>\n";
  out += "<p style=\"margin:4px 0;\"><strong style=\"color:" + accent + ";\">" + html_escape(c.what) + "</strong></p>\n";
  // The previous and the current close side by side (one cell when the window has one side).
  const std::string cell = "<td style=\"vertical-align:top;padding:6px 8px;background:#f7f7f7;border:1px solid #eeeeee;";
  out += "<table role=\"presentation\" style=\"border-collapse:collapse;width:100%;margin:8px 0;\"><tr>";
  const bool both = c.previous && c.current;
  if (c.previous) {
    out += cell + (both ? "width:50%;" : "") + "\">" +
           email_change_side_html(*c.previous, !email_change_same_phrase(c), !email_change_same_source(c), both) + "</td>";
  }
  if (c.current) out += cell + (both ? "width:50%;" : "") + "\">" + email_change_side_html(*c.current, true, true, false) + "</td>";
  out += "</tr></table>\n";
  if (!c.overdue_text.empty()) {
    out += "<p style=\"margin:6px 0;padding:6px 8px;background:#fdecea;border:1px solid #c0392b;\">" +
           html_escape(c.overdue_text) + "</p>\n";
  }
  out += html_row("建议", html_escape(c.advice));
  out += "</div>\n";
  return out;
}

std::string html_document(std::string_view subject, std::string_view body) {
  return "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"UTF-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         html_escape(subject) +
         "</title>\n</head>\n<body style=\"margin:0;padding:0;background:#f5f5f5;\">\n"
         "<div style=\"max-width:640px;margin:0 auto;padding:16px 20px;background:#ffffff;color:#222222;"
         "font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;font-size:15px;line-height:1.6;\">\n" +
         std::string(body) + "</div>\n</body>\n</html>\n";
}

}  // namespace

std::string rfc5322_date(Instant instant) {
  static constexpr std::string_view kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto local = instant + kChinaOffset;
  const date::sys_days day = date::floor<date::days>(local);
  const date::year_month_day ymd{day};
  const date::weekday weekday{day};
  const date::hh_mm_ss clock{local - day};
  return std::string(kDays[weekday.c_encoding()]) + ", " + two_digits(static_cast<unsigned>(ymd.day())) + " " +
         std::string(kMonths[static_cast<unsigned>(ymd.month()) - 1]) + " " +
         std::to_string(static_cast<int>(ymd.year())) + " " + two_digits(clock.hours().count()) + ":" +
         two_digits(clock.minutes().count()) + ":" + two_digits(clock.seconds().count()) + " +0800";
}

Result<RenderedEmail> render_reminder(const ReminderContent& content) {
  using R = Result<RenderedEmail>;
  if (content.views.empty() && content.changes.empty()) {
    return R::failure("a reminder email needs at least one reminder or change");
  }
  if (Status ok = check_url("manage URL", content.manage_url, false, kMaxUrlBytes); !ok) return R::failure(ok.error());
  if (Status ok = check_url("unsubscribe URL", content.unsubscribe_url, false, kMaxUrlBytes); !ok) {
    return R::failure(ok.error());
  }
  std::vector<render::ReminderView> views = content.views;
  render::sort_for_reading(views);
  std::vector<render::ChangeView> changes = content.changes;
  std::stable_sort(changes.begin(), changes.end(), [](const render::ChangeView& a, const render::ChangeView& b) {
    return std::tie(a.closes, a.title, a.window_id) < std::tie(b.closes, b.title, b.window_id);
  });

  RenderedEmail email;
  // A message with changes leads with them: the reminders it carries are the ones the change put
  // in the past (rule b) or a digest that happened to fall due with it; the change is the news.
  email.subject = changes.empty() ? subject_for(views) : email_change_subject_for(changes);
  const std::string count = std::to_string(views.size());
  const std::string reminders_intro =
      views.size() == 1 ? "您好！以下申报即将截止：" : "您好！以下 " + count + " 项申报即将截止，按截止时间先后排列：";
  const std::string intro = !changes.empty()         ? email_change_intro(changes.size(), views.size())
                            : render::only_tests(views) ? std::string(wording::test_reminder_note())
                                                        : reminders_intro;
  const std::string footer_sent = "本邮件由申报提醒服务自动发送至 " + content.recipient + "，请勿直接回复。";
  const std::string footer_id = "消息编号：" + content.message_id + "　生成时间：" + local_minute(content.now) + "（北京时间）";
  const std::string rule = "────────────────────────────\n";
  const bool sections = !changes.empty() && !views.empty();

  std::string text = intro + "\n\n";
  std::string html_body = "<p style=\"margin:0 0 8px 0;\">" + html_escape(intro) + "</p>\n";
  const auto section = [&](std::string_view heading) {
    text += std::string(heading) + "\n";
    html_body += "<h2 style=\"font-size:18px;margin:20px 0 0 0;\">" + html_escape(heading) + "</h2>\n";
  };
  if (sections) section("一、申报时间变化");
  for (std::size_t i = 0; i < changes.size(); ++i) {
    text += rule + email_change_text_for(changes[i], i + 1) + "\n";
    html_body += email_change_html_for(changes[i], i + 1);
  }
  if (sections) section("二、即将截止（按截止时间先后排列）");
  for (std::size_t i = 0; i < views.size(); ++i) {
    text += rule + text_for(views[i], i + 1) + "\n";
    html_body += html_for(views[i], i + 1);
  }
  const std::string note = changes.empty() ? "时间均为北京时间；“原文”为通知或手册的原话。"
                                           : "时间均为北京时间；“原文”为通知或手册的原话；“依据”为变化所依据的通知。";
  text += rule;
  text += note + "\n\n";
  text += "管理订阅（选择项目与提醒时间）：" + content.manage_url + "\n";
  text += "退订：" + content.unsubscribe_url + "\n\n";
  text += footer_sent + "\n" + footer_id + "\n";

  html_body += "<p style=\"margin:12px 0;font-size:13px;color:#666666;\">" + html_escape(note) + "</p>\n";
  html_body += "<hr style=\"border:none;border-top:1px solid #dddddd;margin:16px 0;\">\n";
  html_body += "<p style=\"margin:4px 0;font-size:14px;\">" + html_link(content.manage_url, "管理订阅（选择项目与提醒时间）") +
               " · " + html_link(content.unsubscribe_url, "退订") + "</p>\n";
  html_body += "<p style=\"margin:4px 0;font-size:12px;color:#999999;\">" + html_escape(footer_sent) + "<br>" +
               html_escape(footer_id) + "</p>\n";
  email.text = std::move(text);
  email.html = html_document(email.subject, html_body);
  return R::success(std::move(email));
}

Result<RenderedEmail> render_confirmation(std::string_view confirm_url, std::string_view recipient) {
  using R = Result<RenderedEmail>;
  if (Status ok = check_url("confirm URL", confirm_url, false, kMaxUrlBytes); !ok) return R::failure(ok.error());
  RenderedEmail email;
  email.subject = "请确认订阅申报提醒";
  const std::string greeting = "您好！有人（希望是您）用 " + std::string(recipient) + " 订阅了政府项目申报截止提醒。";
  const std::string ask = "请打开下面的链接确认订阅：";
  const std::string otherwise = "如果不是您本人操作，请忽略本邮件：未经确认，我们不会再向此地址发送任何邮件。";
  const std::string footer = "本邮件由申报提醒服务自动发送，请勿直接回复。";
  email.text = greeting + "\n\n" + ask + "\n" + std::string(confirm_url) + "\n\n" + otherwise + "\n\n" + footer + "\n";
  const std::string body =
      "<p style=\"margin:0 0 12px 0;\">" + html_escape(greeting) + "</p>\n<p style=\"margin:0 0 12px 0;\">" +
      html_escape(ask) + "</p>\n<p style=\"margin:16px 0;\"><a href=\"" + html_escape(confirm_url) +
      "\" style=\"display:inline-block;padding:10px 20px;background:#1a5fb4;color:#ffffff;text-decoration:none;"
      "border-radius:4px;\">确认订阅</a></p>\n<p style=\"margin:0 0 12px 0;font-size:13px;color:#666666;word-break:break-all;\">" +
      html_escape(confirm_url) + "</p>\n<p style=\"margin:0 0 12px 0;\">" + html_escape(otherwise) +
      "</p>\n<p style=\"margin:4px 0;font-size:12px;color:#999999;\">" + html_escape(footer) + "</p>\n";
  email.html = html_document(email.subject, body);
  return R::success(std::move(email));
}

Result<std::string> assemble_email(const MessageHeaders& headers, const RenderedEmail& rendered,
                                   const std::optional<MimeAttachment>& attachment, TransferEncoding encoding) {
  using R = Result<std::string>;
  MimeMessage message;
  message.text = rendered.text;
  message.html = rendered.html;
  message.attachment = attachment;
  message.encoding = encoding;

  Result<std::string> from = format_mailbox("From", headers.from_name, headers.from_address);
  if (!from) return R::failure(from.error());
  Result<std::string> to = format_mailbox("To", "", headers.to_address);
  if (!to) return R::failure(to.error());
  Result<std::string> subject = encode_unstructured("Subject", rendered.subject, kMaxSubjectBytes);
  if (!subject) return R::failure(subject.error());
  if (Status ok = check_message_id(headers.message_id); !ok) return R::failure("Message-ID: " + ok.error());
  if (const std::string problem = email_address_problem("postmaster@" + headers.domain); !problem.empty()) {
    return R::failure("Message-ID domain: not a host name with a dot");
  }
  message.headers = {{"From", *from},
                     {"To", *to},
                     {"Subject", *subject},
                     {"Date", rfc5322_date(headers.date)},
                     {"Message-ID", "<" + headers.message_id + "@" + headers.domain + ">"}};
  if (!headers.list_id.empty()) {
    if (const std::string problem = email_address_problem("list@" + headers.list_id); !problem.empty()) {
      return R::failure("List-Id: not a host-name style list id");
    }
    Result<std::string> phrase = encode_phrase("List-Id", "List-Id name", headers.list_name, kMaxDisplayNameBytes);
    if (!phrase) return R::failure(phrase.error());
    message.headers.push_back({"List-Id", (phrase->empty() ? "" : *phrase + " ") + "<" + headers.list_id + ">"});
  } else if (!headers.list_name.empty()) {
    return R::failure("List-Id name given without a list id");
  }
  if (!headers.unsubscribe_url.empty()) {
    // One-click (RFC 8058) needs https; an http URL (a daemon on its embedded defaults, without
    // a public https address yet) still gets the plain RFC 2369 header, so the link works.
    const bool https = headers.unsubscribe_url.starts_with("https://");
    if (Status ok = check_url("List-Unsubscribe URL", headers.unsubscribe_url, https, kMaxListUnsubscribeBytes); !ok) {
      return R::failure(ok.error());
    }
    if (headers.unsubscribe_url.find_first_of(",;") != std::string::npos) {
      return R::failure("List-Unsubscribe URL holds a character that is not allowed in a link");
    }
    message.headers.push_back({"List-Unsubscribe", "<" + headers.unsubscribe_url + ">"});
    if (https) message.headers.push_back({"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"});
  }
  message.headers.push_back({"Auto-Submitted", "auto-generated"});
  return build_mime(message);
}

Result<std::string> build_reminder_email(const MessageHeaders& headers, ReminderContent content,
                                         const std::optional<MimeAttachment>& calendar) {
  content.message_id = headers.message_id;
  content.recipient = headers.to_address;
  if (content.unsubscribe_url.empty()) content.unsubscribe_url = headers.unsubscribe_url;
  Result<RenderedEmail> rendered = render_reminder(content);
  if (!rendered) return Result<std::string>::failure(rendered.error());
  return assemble_email(headers, *rendered, calendar);
}

Result<std::string> build_confirmation_email(const MessageHeaders& headers, std::string_view confirm_url) {
  Result<RenderedEmail> rendered = render_confirmation(confirm_url, headers.to_address);
  if (!rendered) return Result<std::string>::failure(rendered.error());
  return assemble_email(headers, *rendered);
}

Result<RenderedEmail> render_endpoint_notice(const EndpointNotice& notice) {
  using R = Result<RenderedEmail>;
  if (Status ok = check_url("manage URL", notice.manage_url, false, kMaxUrlBytes); !ok) return R::failure(ok.error());
  RenderedEmail email;
  const wording::EndpointNoticeWords words = wording::endpoint_notice_words(notice.what);
  email.subject = words.subject;
  std::string problem = wording::delivery_problem_text(notice.kind, notice.reason);
  const std::string manage = "修改设置、重新启用或删除这个接收方式：";
  const std::string footer = "本邮件由申报提醒服务自动发送，请勿直接回复。";
  email.text = "您好！" + words.happened + "\n\n接收方式：" + notice.endpoint_label +
               (problem.empty() ? std::string() : "\n问题和处理办法：" + problem) + "\n\n" + manage +
               notice.manage_url + "\n\n" + footer + "\n";
  std::string body = "<p style=\"margin:0 0 12px 0;\">您好！" + html_escape(words.happened) +
                     "</p>\n<p style=\"margin:4px 0;\">接收方式：" + html_escape(notice.endpoint_label) + "</p>\n";
  if (!problem.empty()) body += "<p style=\"margin:4px 0;\">问题和处理办法：" + html_escape(problem) + "</p>\n";
  body += "<p style=\"margin:16px 0;\">" + html_escape(manage) + html_link(notice.manage_url, notice.manage_url) +
          "</p>\n<p style=\"margin:4px 0;font-size:12px;color:#999999;\">" + html_escape(footer) + "</p>\n";
  email.html = html_document(email.subject, body);
  return R::success(std::move(email));
}

Result<std::string> build_endpoint_notice_email(const MessageHeaders& headers, const EndpointNotice& notice) {
  Result<RenderedEmail> rendered = render_endpoint_notice(notice);
  if (!rendered) return Result<std::string>::failure(rendered.error());
  return assemble_email(headers, *rendered);
}

}  // namespace deadline::mail
