#include "mail/reminder_email.h"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "calendar/loader.h"
#include "mail/header_encoding.h"
#include "mail_test_support.h"
#include "test_support.h"
#include "time/iso8601.h"

using namespace deadline;
using namespace deadline::mail;

namespace {

using test::handbook;

constexpr const char* kExact = "jiangsu-specialised-sme-2024-batch2/apply/2024";      // 2024-10-18 24:00
constexpr const char* kEstimated = "postdoctoral-research-workstation/apply/2024";    // 预计2024年10月

using test::at;

render::ReminderView view_of(const char* window_id, const char* now = "2024-10-11T09:00+08:00") {
  const Window* window = handbook().find_window(window_id);
  REQUIRE(window);
  return render::make_reminder_view(*handbook().find_programme(window->programme_id), *window, "7d", at(now));
}

MessageHeaders headers() {
  MessageHeaders h;
  h.from_name = "江苏省惠企政策申报提醒";
  h.from_address = "remind@deadlined.example.org";
  h.to_address = "finance@enterprise.example.com";
  h.message_id = "3f2a9c0d41b7e8a65c1d0e9f7b2a4c68";
  h.domain = "deadlined.example.org";
  h.date = at("2024-10-11T09:00+08:00");
  h.list_id = "reminders.deadlined.example.org";
  h.list_name = "申报提醒";
  h.unsubscribe_url = "https://deadlined.example.org/unsubscribe/TOKEN";
  return h;
}

ReminderContent content(std::vector<render::ReminderView> views) {
  ReminderContent c;
  c.views = std::move(views);
  c.message_id = "3f2a9c0d41b7e8a65c1d0e9f7b2a4c68";
  c.recipient = "finance@enterprise.example.com";
  c.now = at("2024-10-11T09:00+08:00");
  c.manage_url = "https://deadlined.example.org/manage/MANAGE";
  c.unsubscribe_url = "https://deadlined.example.org/unsubscribe/TOKEN";
  return c;
}

std::vector<std::string> header_names(const std::string& message) {
  std::vector<std::string> names;
  for (const test::mail::Field& field : test::mail::fields(test::mail::split_entity(message))) names.push_back(field.name);
  return names;
}

const std::vector<std::string> kReminderHeaders = {"From",    "To",      "Subject",          "Date",
                                                   "Message-ID", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
                                                   "Auto-Submitted", "MIME-Version", "Content-Type"};

}  // namespace

TEST_CASE("reminder email: one reminder says the title and the days left in the subject") {
  Result<RenderedEmail> email = render_reminder(content({view_of(kExact)}));
  REQUIRE(email);
  CHECK(email->subject == "【申报提醒】省级专精特新中小企业（2024年第二批） 还剩 7 天");
  Result<RenderedEmail> last_day = render_reminder(content({view_of(kExact, "2024-10-18T09:00+08:00")}));
  REQUIRE(last_day);
  CHECK(last_day->subject == "【申报提醒】省级专精特新中小企业（2024年第二批） 今天截止");
}

TEST_CASE("reminder email: an estimated window says 预计 and its month") {
  Result<RenderedEmail> email = render_reminder(content({view_of(kEstimated)}));
  REQUIRE(email);
  CHECK(email->subject == "【申报提醒】博士后科研工作站 预计2024年10月截止");
  CHECK(email->text.find("【预计】博士后科研工作站") != std::string::npos);
  CHECK(email->text.find("截止时间：预计2024年10月") != std::string::npos);
  CHECK(email->text.find("仅供参考") != std::string::npos);
  CHECK(email->html.find("【预计】") != std::string::npos);
  CHECK(email->html.find("仅供参考") != std::string::npos);
}

TEST_CASE("reminder email: a digest lists every reminder soonest first with all its facts") {
  // Given latest first: the email must still read soonest first.
  const render::ReminderView exact = view_of(kExact), estimated = view_of(kEstimated);
  Result<RenderedEmail> email = render_reminder(content({estimated, exact}));
  REQUIRE(email);
  CHECK(email->subject == "【申报提醒】2 个项目即将截止");
  for (const std::string* part : {&email->text, &email->html}) {
    const std::size_t first = part->find(exact.title), second = part->find(estimated.title);
    REQUIRE(first != std::string::npos);
    REQUIRE(second != std::string::npos);
    CHECK(first < second);
    for (const render::ReminderView* view : {&exact, &estimated}) {
      CHECK(part->find(view->closes_text) != std::string::npos);
      CHECK(part->find(view->days_left_text) != std::string::npos);
      CHECK(part->find("「" + view->phrase + "」") != std::string::npos);
      CHECK(part->find(view->actor) != std::string::npos);
      CHECK(part->find(view->eligibility.substr(0, 30)) != std::string::npos);
      CHECK(part->find(view->contact) != std::string::npos);
      CHECK(part->find(view->link) != std::string::npos);
      for (const std::string& phone : view->phones) CHECK(part->find(phone) != std::string::npos);
    }
    CHECK(part->find("https://deadlined.example.org/manage/MANAGE") != std::string::npos);
    CHECK(part->find("https://deadlined.example.org/unsubscribe/TOKEN") != std::string::npos);
    CHECK(part->find("还剩 7 天") != std::string::npos);
    CHECK(part->find("2024年10月18日 24:00") != std::string::npos);
    CHECK(part->find("已确认") != std::string::npos);
  }
  CHECK(email->html.find("<script") == std::string::npos);
  CHECK(email->html.find("<img") == std::string::npos);
  // Two windows of one programme are one programme.
  render::ReminderView second_window = exact;
  second_window.lead = "1d";
  Result<RenderedEmail> same = render_reminder(content({exact, second_window}));
  REQUIRE(same);
  CHECK(same->subject.starts_with("【申报提醒】省级专精特新"));
}

TEST_CASE("reminder email: the printed addresses in text and HTML - a misprint 原文如此 and unlinked") {
  const render::ReminderView exact = view_of(kExact);  // P3: the misspelt 江苏政务服务网
  Result<RenderedEmail> email = render_reminder(content({exact}));
  REQUIRE(email);
  CHECK(email->text.find("   网上申报系统：江苏政务服务网 - 江苏省工业和信息化厅旗舰店 "
                         "https://www.jszfw.gov.cn/col/col140127/index.html（原文如此）\n") != std::string::npos);
  CHECK(email->html.find("网上申报系统：</span>江苏政务服务网 - 江苏省工业和信息化厅旗舰店 "
                         "https://www.jszfw.gov.cn/col/col140127/index.html（原文如此）</p>") != std::string::npos);
  CHECK(email->html.find("href=\"https://www.jszfw") == std::string::npos);
  const render::ReminderView survey =
      view_of("jiangsu-frontier-tech-guideline-survey-2025/authority-submit/2024", "2024-11-22T09:00+08:00");
  Result<RenderedEmail> second = render_reminder(content({survey}));
  REQUIRE(second);
  CHECK(second->text.find("   电子邮箱：jskjtgxc@163.com\n") != std::string::npos);
  CHECK(second->html.find("<a href=\"mailto:jskjtgxc@163.com\" style=\"color:#1a5fb4;overflow-wrap:anywhere;word-break:break-all;\">jskjtgxc@163.com</a>") !=
        std::string::npos);
  CHECK(second->html.find("<a href=\"https://kjyh.kxjst.jiangsu.gov.cn/\" style=\"color:#1a5fb4;overflow-wrap:anywhere;word-break:break-all;\">") != std::string::npos);
}

TEST_CASE("reminder email: HTML escapes every field") {
  render::ReminderView view = view_of(kExact);
  const std::string hostile = "<script>alert('x')</script> & \"q\"";
  view.title = view.contact = view.authority = view.group = view.category = view.eligibility = view.phrase =
      view.actor = view.closes_text = view.opens_text = view.days_left_text = view.status_label = hostile;
  view.phones = {hostile};
  view.link = "javascript:alert(1)";
  Result<RenderedEmail> email = render_reminder(content({view}));
  REQUIRE(email);
  CHECK(email->html.find("<script") == std::string::npos);
  CHECK(email->html.find("alert('x')") == std::string::npos);
  CHECK(email->html.find("\"q\"") == std::string::npos);
  CHECK(email->html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;") != std::string::npos);
  CHECK(email->html.find("href=\"javascript") == std::string::npos);  // shown, never a link
  CHECK(email->text.find(hostile) != std::string::npos);              // plain text shows it as is
  // A title with a line break cannot reach the Subject header as one.
  view.title = "line\r\nBcc: evil@example.org";
  Result<RenderedEmail> broken = render_reminder(content({view}));
  REQUIRE(broken);
  CHECK(broken->subject.find('\n') == std::string::npos);
  CHECK(broken->subject.find('\r') == std::string::npos);
  CHECK(html_escape("&<>\"'") == "&amp;&lt;&gt;&quot;&#39;");
}

TEST_CASE("reminder email: the assembled message has exactly the expected headers") {
  Result<std::string> message = build_reminder_email(headers(), content({view_of(kEstimated), view_of(kExact)}));
  REQUIRE(message);
  CHECK(test::mail::bare_line_end(*message) == std::string::npos);
  CHECK(header_names(*message) == kReminderHeaders);
  const test::mail::Entity top = test::mail::split_entity(*message);
  for (const std::string& line : top.header_lines) {
    INFO(line);
    CHECK(line.size() <= 76 + (line.starts_with("List-Unsubscribe: ") ? 40 : 0));
  }
  const std::vector<test::mail::Field> fields = test::mail::fields(top);
  CHECK(*decode_header_value(test::mail::field_value(fields, "From")) ==
        "江苏省惠企政策申报提醒 <remind@deadlined.example.org>");
  CHECK(test::mail::field_value(fields, "To") == "finance@enterprise.example.com");
  CHECK(*decode_header_value(test::mail::field_value(fields, "Subject")) == "【申报提醒】2 个项目即将截止");
  CHECK(test::mail::field_value(fields, "Date") == "Fri, 11 Oct 2024 09:00:00 +0800");
  CHECK(test::mail::field_value(fields, "Message-ID") == "<3f2a9c0d41b7e8a65c1d0e9f7b2a4c68@deadlined.example.org>");
  CHECK(*decode_header_value(test::mail::field_value(fields, "List-Id")) == "申报提醒 <reminders.deadlined.example.org>");
  CHECK(test::mail::field_value(fields, "List-Unsubscribe") == "<https://deadlined.example.org/unsubscribe/TOKEN>");
  CHECK(test::mail::field_value(fields, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click");
  CHECK(test::mail::field_value(fields, "Auto-Submitted") == "auto-generated");

  const std::vector<test::mail::Leaf> leaves = test::mail::leaves(*message);
  REQUIRE(leaves.size() == 2);
  CHECK(leaves[0].decoded.find("3f2a9c0d41b7e8a65c1d0e9f7b2a4c68") != std::string::npos);  // footer
  CHECK(leaves[0].decoded.find("finance@enterprise.example.com") != std::string::npos);
  CHECK(leaves[0].decoded.find("2024年10月11日 09:00") != std::string::npos);

  // With the calendar attachment: multipart/mixed around the alternative.
  Result<std::string> with_calendar =
      build_reminder_email(headers(), content({view_of(kExact)}),
                           MimeAttachment{"text/calendar; method=PUBLISH; charset=UTF-8", "reminders.ics",
                                          "BEGIN:VCALENDAR\nEND:VCALENDAR\n"});
  REQUIRE(with_calendar);
  const std::vector<test::mail::Leaf> three = test::mail::leaves(*with_calendar);
  REQUIRE(three.size() == 3);
  CHECK(three[2].content_type.starts_with("text/calendar; method=PUBLISH; charset=UTF-8"));
}

TEST_CASE("reminder email: optional list headers and the Date in +0800") {
  MessageHeaders h = headers();
  h.list_id.clear();
  h.list_name.clear();
  h.unsubscribe_url.clear();
  ReminderContent c = content({view_of(kExact)});
  Result<std::string> message = build_reminder_email(h, c);
  REQUIRE(message);
  CHECK(header_names(*message) == std::vector<std::string>{"From", "To", "Subject", "Date", "Message-ID",
                                                           "Auto-Submitted", "MIME-Version", "Content-Type"});
  CHECK(rfc5322_date(at("2024-12-31T16:30:05Z")) == "Wed, 01 Jan 2025 00:30:05 +0800");
  CHECK(rfc5322_date(at("2024-02-29T00:00:00+08:00")) == "Thu, 29 Feb 2024 00:00:00 +0800");
}

TEST_CASE("reminder email: hostile header inputs are refused and named") {
  struct Case {
    void (*change)(MessageHeaders&);
    std::string expected;
  };
  const std::vector<Case> cases = {
      {[](MessageHeaders& h) { h.from_name = "申报\r\nBcc: evil@example.org"; }, "From display name: "},
      {[](MessageHeaders& h) { h.from_name = std::string("x\0y", 3); }, "From display name: "},
      {[](MessageHeaders& h) { h.from_name = "bad \xff utf-8"; }, "From display name: "},
      {[](MessageHeaders& h) { h.from_name = std::string(300, 'a'); }, "From display name: "},
      {[](MessageHeaders& h) { h.from_address = "a@example.org\r\nBcc: evil@example.org"; }, "From address: "},
      {[](MessageHeaders& h) { h.to_address = "victim@example.org, other@example.org"; }, "To address: "},
      {[](MessageHeaders& h) { h.to_address = "victim@example.org\nBcc: x@example.org"; }, "To address: "},
      {[](MessageHeaders& h) { h.message_id = "id\r\nX: y"; }, "Message-ID: "},
      {[](MessageHeaders& h) { h.domain = "example.org>\r\nX-Evil: 1"; }, "Message-ID domain"},
      {[](MessageHeaders& h) { h.list_id = "list id"; }, "List-Id"},
      {[](MessageHeaders& h) { h.list_name = "a\nb"; }, "List-Id name: "},
      {[](MessageHeaders& h) { h.unsubscribe_url = "ftp://deadlined.example.org/unsubscribe/T"; }, "http:// or https://"},
      {[](MessageHeaders& h) { h.unsubscribe_url = "http://x.example.org/u,<mailto:evil@example.org>"; },
       "List-Unsubscribe URL"},
      {[](MessageHeaders& h) { h.unsubscribe_url = "https://x.example.org/u>, <mailto:evil@example.org"; },
       "List-Unsubscribe URL"},
      {[](MessageHeaders& h) { h.unsubscribe_url = "https://x.example.org/u\r\nBcc: e@example.org"; },
       "List-Unsubscribe URL"},
  };
  for (const Case& c : cases) {
    MessageHeaders h = headers();
    c.change(h);
    Result<std::string> message = build_reminder_email(h, content({view_of(kExact)}));
    INFO(c.expected);
    REQUIRE_FALSE(message);
    CHECK(message.error().find(c.expected) != std::string::npos);
  }
  ReminderContent bad_link = content({view_of(kExact)});
  bad_link.manage_url = "javascript:alert(1)";
  CHECK_FALSE(build_reminder_email(headers(), bad_link));
  CHECK_FALSE(render_reminder(content({})));
}

TEST_CASE("reminder email: 10000 hostile names and addresses never add a header line") {
  const std::vector<std::string> fragments = {
      "\r\n", "\n", "\r", std::string(1, '\0'), "Bcc: evil@example.org", "\r\nBcc: evil@example.org", "=?utf-8?q?x?=",
      "=?UTF-8?B?QmNjOiBldmls?=", "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xe4\xb8", "\"", "\\", "<", ">", ",", ";", ":",
      "(", ")", "@", " ", "  ", "\t", "\xe2\x80\xa8", "\xe2\x80\xae", "\xc2\x85", "申报提醒", "😀", "a", "Z", ".",
      std::string(80, 'w'), "\r\n ", "\n\t", "%0d%0a", "\x7f"};
  // Printable but tricky: quotes, specials, look-alikes, spaces, long runs. Names made only of
  // these must be accepted (and shown exactly); any other fragment must be refused.
  const std::vector<std::string> printable = {
      "=?utf-8?q?x?=", "=?UTF-8?B?QmNjOiBldmls?=", "Bcc: evil@example.org", "\"", "\\", "<", ">", ",", ";", ":",
      "(", ")", "@", " ", "  ", "申报提醒", "😀", "a", "Z", ".", std::string(30, 'w'), "%0d%0a"};  // <= 180 bytes
  std::mt19937 random(20241011);
  const auto pick_from = [&](const std::vector<std::string>& from, std::size_t max_parts) {
    std::string out;
    const std::size_t parts = 1 + random() % max_parts;
    for (std::size_t i = 0; i < parts; ++i) out += from[random() % from.size()];
    return out;
  };
  bool printable_only = false;
  const auto pick = [&](std::size_t max_parts) {
    return pick_from(printable_only ? printable : fragments, max_parts);
  };
  const RenderedEmail body{"【申报提醒】测试", "text\n", "<p>html</p>\n"};
  int accepted = 0, refused = 0;
  int printable_refused = 0;
  for (int i = 0; i < 10000; ++i) {
    printable_only = i % 2 == 0;
    MessageHeaders h = headers();
    h.from_name = pick(6);
    switch (i % 4) {
      case 1: h.from_address = pick(3) + "@example.org"; break;
      case 2: h.to_address = "user" + pick(3) + "@example.org"; break;
      case 3: h.list_name = pick(4); break;
      default: break;
    }
    Result<std::string> message = assemble_email(h, body);
    if (!message) {
      ++refused;
      // Printable names are never refused; a refusal then comes from the address or the list name.
      if (printable_only && i % 4 == 0) ++printable_refused;
      continue;
    }
    ++accepted;
    INFO("from name bytes: " << h.from_name.size() << " case " << i % 4);
    REQUIRE(test::mail::bare_line_end(*message) == std::string::npos);
    REQUIRE(header_names(*message) == kReminderHeaders);
    const std::vector<test::mail::Field> fields = test::mail::fields(test::mail::split_entity(*message));
    // What a reader shows is exactly what was given, around the real address.
    Result<std::string> from = decode_header_value(test::mail::field_value(fields, "From"));
    REQUIRE(from);
    const std::string expected_from =
        h.from_name.empty() ? h.from_address : h.from_name + " <" + h.from_address + ">";
    // ASCII names may come back quoted; compare those without quoting.
    if (from->front() != '"') CHECK(*from == expected_from);
    CHECK(from->ends_with("<" + h.from_address + ">") == !h.from_name.empty());
    CHECK(test::mail::field_value(fields, "To") == h.to_address);
  }
  CHECK(printable_refused == 0);
  CHECK(accepted >= 2500);  // at least every printable-only name with the real addresses
  CHECK(refused > 3000);
}

TEST_CASE("reminder email: the confirmation email asks to confirm with the link") {
  MessageHeaders h = headers();
  h.list_id.clear();
  h.list_name.clear();
  h.unsubscribe_url.clear();
  const std::string link = "https://deadlined.example.org/confirm/AbC-123_x?a=1&b=2";
  Result<std::string> message = build_confirmation_email(h, link);
  REQUIRE(message);
  CHECK(test::mail::bare_line_end(*message) == std::string::npos);
  const std::vector<test::mail::Field> fields = test::mail::fields(test::mail::split_entity(*message));
  CHECK(*decode_header_value(test::mail::field_value(fields, "Subject")) == "请确认订阅申报提醒");
  CHECK(test::mail::field_value(fields, "Auto-Submitted") == "auto-generated");
  CHECK(test::mail::field_value(fields, "List-Unsubscribe").empty());
  const std::vector<test::mail::Leaf> leaves = test::mail::leaves(*message);
  REQUIRE(leaves.size() == 2);
  CHECK(leaves[0].decoded.find(link) != std::string::npos);
  CHECK(leaves[0].decoded.find("finance@enterprise.example.com") != std::string::npos);
  CHECK(leaves[1].decoded.find("href=\"https://deadlined.example.org/confirm/AbC-123_x?a=1&amp;b=2\"") !=
        std::string::npos);
  CHECK_FALSE(build_confirmation_email(h, "https://x.example.org/\"><script>"));
  CHECK_FALSE(build_confirmation_email(h, "ftp://x.example.org/"));
}

TEST_CASE("an http unsubscribe link gets List-Unsubscribe without one-click") {
  MessageHeaders h = headers();
  h.unsubscribe_url = "http://127.0.0.1:8080/unsubscribe/TOKEN";
  const Result<std::string> message = build_reminder_email(h, content({view_of(kExact)}));
  REQUIRE(message);
  const std::vector<test::mail::Field> fields = test::mail::fields(test::mail::split_entity(*message));
  CHECK(test::mail::field_value(fields, "List-Unsubscribe") == "<http://127.0.0.1:8080/unsubscribe/TOKEN>");
  CHECK(test::mail::field_value(fields, "List-Unsubscribe-Post").empty());
}

TEST_CASE("reminder email: a test reminder is marked 【测试】 in the subject, the intro and its title") {
  render::ReminderView test_view = view_of(kExact);
  test_view.lead = "test";
  test_view.test = true;
  Result<RenderedEmail> email = render_reminder(content({test_view}));
  REQUIRE(email);
  CHECK(email->subject == "【测试】【申报提醒】省级专精特新中小企业（2024年第二批） 还剩 7 天");
  CHECK(email->text.starts_with("【测试】这是在订阅管理页面发起的测试提醒"));
  CHECK(email->text.find("1. 【测试】省级专精特新中小企业") != std::string::npos);
  CHECK(email->html.find("【测试】这是在订阅管理页面发起的测试提醒") != std::string::npos);
  CHECK(email->html.find(">【测试】</span>省级专精特新中小企业") != std::string::npos);
  // Not on a real one.
  CHECK(render_reminder(content({view_of(kExact)}))->subject.find("测试") == std::string::npos);
}

TEST_CASE("endpoint notice email: the last error in Chinese with what to do, never the technical text") {
  EndpointNotice notice;
  notice.kind = EndpointKind::feishu;
  notice.endpoint_label = "飞书群机器人 https://open.feishu.cn";
  notice.what = "failing";
  notice.reason = "Feishu: HTTP 200 without a readable code in the reply";
  notice.manage_url = "https://deadlined.example.org/manage/MANAGE";
  Result<RenderedEmail> email = render_endpoint_notice(notice);
  REQUIRE(email);
  CHECK(email->subject == "【申报提醒】接收方式发送失败");
  CHECK(email->text.find("飞书的回复无法识别") != std::string::npos);
  CHECK(email->text.find("https://deadlined.example.org/manage/MANAGE") != std::string::npos);
  CHECK(email->html.find("飞书的回复无法识别") != std::string::npos);
  CHECK(email->html.find("href=\"https://deadlined.example.org/manage/MANAGE\"") != std::string::npos);
  for (const std::string* part : {&email->text, &email->html}) {
    CHECK(part->find("without a readable code") == std::string::npos);
    CHECK(part->find("最近的错误") == std::string::npos);
  }
  notice.what = "needs_attention";
  notice.reason = "refused: 10.0.0.1 is private (10.0.0.0/8)";
  email = render_endpoint_notice(notice);
  REQUIRE(email);
  CHECK(email->subject == "【申报提醒】接收方式需要您处理");
  CHECK(email->text.find("这个地址指向内网或本机（10.0.0.1）") != std::string::npos);
}
