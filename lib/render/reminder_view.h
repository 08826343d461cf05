#pragma once
// A reminder as people read it, in Chinese: the words every human-facing channel (email text and
// HTML, the WeCom / DingTalk / Feishu robots) shows for one window of one programme. The channels
// only lay these strings out; what a reminder says is decided here, once.

#include <string>
#include <vector>

#include "calendar/bound_text.h"
#include "calendar/calendar.h"
#include "time/instant.h"

namespace deadline::render {

// An address the handbook prints (calendar.h Address), in the words every channel shows.
struct AddressView {
  std::string label;              // 网上申报系统 / 电子邮箱 / 表格下载 / 邮寄地址
  std::string name;               // the system's printed name; may be empty
  std::string printed;            // exactly as printed
  std::string note;               // "" / "原文如此" / "原文如此；更正为 …（依据：…）"
  std::string href;               // https://… or mailto:…; "" when not to be linked
  std::string corrected;          // the linked correction of a misprint; may be empty
  std::string correction_source;  // where the correction comes from (with corrected)
  // "江苏省科技计划管理信息平台 https://…" / "https://www.jszfw.gov.cn/…（原文如此）": one line of text.
  std::string text() const;
};

struct ReminderView {
  std::string programme_id;
  std::string title;              // 江苏省…
  std::string contact;            // the contact organisation as printed
  std::string authority;          // empty when the handbook names none
  std::string group;              // 工业和信息化部门 …
  std::string category;           // 资金引导 / 认定培育
  std::string eligibility;        // summary; may be empty
  std::string link;               // the original notice; may be empty
  std::vector<std::string> phones;  // "025-83336330", with "（区号为推定）" where inferred
  std::vector<AddressView> addresses;  // submission systems, mailboxes, forms pages, postal, as printed

  std::string phrase;             // the handbook's words for this window, verbatim
  bool estimated = false;
  std::string status_label;       // "预计", "已确认" or "已撤回" (cancelled by a notice)
  std::string closes_text;        // "2024年10月18日 24:00" / "2024年12月20日" / "预计2024年11月"
  std::string opens_text;         // "" when the window has no known opening
  std::string actor;              // who must act, as printed (申报企业, 推荐单位 …)
  std::string cap_reason;         // the chain rule's words when it capped this close, else empty
                                  // ("推荐单位须于2024年11月22日前完成推荐，请尽早向推荐单位提交")
  int days_left = 0;              // 0 on the closing day (webhook_event.h days_left)
  std::string days_left_text;     // wording::time_left_text: "还剩 7 天" / "还剩约 7 天" (an estimate) /
                                  // "今天截止" / "预计今天截止" / "已截止", as the site says it
  std::string lead;               // the lead that fired: "7d", "closing-day", ..., "test"
  bool test = false;              // a test reminder its owner asked for (kTestLead, domain/message.h): every
                                  // channel marks it 【测试】
  Instant closes;                 // for ordering
};

// Both pointers non-null, the window belonging to the programme.
ReminderView make_reminder_view(const Programme& programme, const Window& window, std::string lead, Instant now);

// "025-83336330", with "（区号为推定）" after a number whose area code the data inferred; every
// channel and the calendar feed show phones this way.
std::vector<std::string> phones_for_people(const std::vector<Phone>& phones);

// The programme's printed addresses as people read them: every channel, the programme page and
// deadlinectl show use these words.
std::vector<AddressView> addresses_for_people(const std::vector<Address>& addresses);

// One address as HTML: the printed form linked when it may be (an <a> with `anchor_attributes`
// after href), a misprint unlinked with 原文如此, a correction linked beside it. Escaped here.
std::string address_html(const AddressView& address, std::string_view anchor_attributes = "");

// Whether every reminder of a digest is a test one (and there is at least one): the message is
// then a test, marked so as a whole (subject, robot title, webhook event).
bool only_tests(const std::vector<ReminderView>& views);

// A digest's reminders, soonest close first (then title, then lead) whatever the input order.
void sort_for_reading(std::vector<ReminderView>& views);

}  // namespace deadline::render
