// The robots' shared markdown: what it shows of a reminder, digests in reading order, and the
// size limit kept without ever cutting a UTF-8 character.

#include "delivery/robot_markdown.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "time/iso8601.h"

using namespace deadline;
using namespace deadline::delivery;

namespace {

// Strict UTF-8 (RFC 3629): no truncated sequence, no stray continuation byte.
bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

render::ReminderView view(const std::string& title, const char* closes, int days_left, bool estimated = false) {
  render::ReminderView v;
  v.programme_id = "p-" + title;
  v.title = title;
  v.contact = "省工业和信息化厅";
  v.phones = {"025-69652765", "025-69652751（区号为推定）"};
  v.phrase = "10月18日24:00时系统关闭企业填报提交功能";
  v.estimated = estimated;
  v.status_label = estimated ? "预计" : "已确认";
  v.closes_text = estimated ? "预计2024年11月" : "2024年10月18日 24:00";
  v.actor = "申报企业";
  v.days_left = days_left;
  v.days_left_text = "还剩 " + std::to_string(days_left) + " 天";
  v.link = "https://policy.smejs.cn/frontend/policy-service/e917f752623e40ada330507b067662d8";
  v.lead = "7d";
  v.closes = *parse_iso8601(closes);
  return v;
}

std::size_t count(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("utf8_prefix never ends inside a character and keeps as much as fits") {
  const std::string text = "a中b𝄞c€d";  // 1, 3, 1, 4, 1, 3, 1 bytes
  REQUIRE(text.size() == 14);
  for (std::size_t max = 0; max <= text.size() + 1; ++max) {
    const std::string_view prefix = utf8_prefix(text, max);
    CHECK(prefix.size() <= max);
    CHECK(valid_utf8(prefix));
    CHECK(text.starts_with(prefix));
    // Maximal: the next character would not have fitted.
    if (prefix.size() < text.size()) {
      std::size_t next = prefix.size() + 1;
      while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) ++next;
      CHECK(next > max);
    }
  }
  CHECK(utf8_prefix(text, 2) == "a");
  CHECK(utf8_prefix(text, 4) == "a中");
  CHECK(utf8_prefix(text, 8) == "a中b");
  CHECK(utf8_prefix(text, 9) == "a中b𝄞");
}

TEST_CASE("robot markdown shows every field of a reminder") {
  render::ReminderView v = view("省级专精特新中小企业（2024年第二批）", "2024-10-18T16:00Z", 7);
  v.authority = "工业和信息化部";
  v.opens_text = "2024年10月1日";
  const std::string md = robot_markdown({v}, kWeComMarkdown, 4096);
  CHECK(md.starts_with("## 申报截止提醒\n\n### 省级专精特新中小企业（2024年第二批）\n"));
  CHECK(md.find("**截止：2024年10月18日 24:00**（已确认）") != std::string::npos);
  CHECK(md.find("**还剩 7 天**") != std::string::npos);
  CHECK(md.find("> 10月18日24:00时系统关闭企业填报提交功能\n") != std::string::npos);
  CHECK(md.find("开始：2024年10月1日") != std::string::npos);
  CHECK(md.find("办理：申报企业") != std::string::npos);
  CHECK(md.find("主管：工业和信息化部") != std::string::npos);
  CHECK(md.find("联系：省工业和信息化厅 025-69652765、025-69652751（区号为推定）") != std::string::npos);
  CHECK(md.find("[查看通知原文](https://policy.smejs.cn/frontend/policy-service/e917f752623e40ada330507b067662d8)") !=
        std::string::npos);
  CHECK(md.find("共 ") == std::string::npos);  // one reminder: no count, no numbering
}

TEST_CASE("robot markdown marks an estimate as 预计 and says to wait for the notice") {
  const std::string md = robot_markdown({view("高端医疗装备推广应用项目", "2024-10-31T16:00Z", 14, true)}, kWeComMarkdown, 4096);
  CHECK(md.find("**截止：预计2024年11月**（预计：以主管部门正式通知为准）") != std::string::npos);
  CHECK(md.find("已确认") == std::string::npos);
}

TEST_CASE("robot markdown lists a digest in one message - soonest close first") {
  const std::vector<render::ReminderView> views = {view("后截止的项目", "2024-10-31T16:00Z", 14, true),
                                                   view("先截止的项目", "2024-10-18T16:00Z", 1)};
  const std::string md = robot_markdown(views, kWeComMarkdown, 4096);
  CHECK(md.find("共 2 项，截止早的在前。") != std::string::npos);
  const std::size_t first = md.find("### 1. 先截止的项目");
  const std::size_t second = md.find("### 2. 后截止的项目");
  REQUIRE(first != std::string::npos);
  REQUIRE(second != std::string::npos);
  CHECK(first < second);
}

TEST_CASE("robot markdown dialects - DingTalk breaks lines with two spaces and Feishu has no headings or quotes") {
  const std::vector<render::ReminderView> views = {view("项目甲", "2024-10-18T16:00Z", 1)};
  const std::string dingtalk = robot_markdown(views, kDingTalkMarkdown, 4096);
  CHECK(dingtalk.find("**截止：2024年10月18日 24:00**（已确认）  \n**还剩 1 天**") != std::string::npos);
  const std::string feishu = robot_markdown(views, kFeishuMarkdown, 4096, /*with_title=*/false);
  CHECK(feishu.starts_with("**项目甲**\n"));
  CHECK(feishu.find('#') == std::string::npos);
  CHECK(feishu.find("> ") == std::string::npos);
  CHECK(feishu.find("原文：「10月18日24:00时系统关闭企业填报提交功能」") != std::string::npos);
}

TEST_CASE("robot markdown keeps a long digest within 4096 bytes and never cuts a character") {
  std::vector<render::ReminderView> views;
  for (int i = 0; i < 60; ++i) {
    render::ReminderView v = view("第" + std::to_string(i + 10) + "号很长很长的专项资金项目申报通知标题（二〇二四年度第二批次）",
                                  "2024-10-18T16:00Z", 3);
    v.phrase = std::string(300, 'x') + "截止日期以通知为准";
    views.push_back(std::move(v));
  }
  for (const std::size_t max : {std::size_t{4096}, std::size_t{4095}, std::size_t{4094}, std::size_t{1500}}) {
    const std::string md = robot_markdown(views, kWeComMarkdown, max);
    CAPTURE(max);
    CHECK(md.size() <= max);
    CHECK(md.size() > max - 200);  // the room is used
    CHECK(valid_utf8(md));
    // Whole reminders first, then titles only, then a count: each of the 60 is accounted for.
    const std::size_t whole = count(md, "### ");
    const std::size_t listed = count(md, "\n- ");
    CHECK(whole >= 1);
    const std::size_t at = md.find("……另有 ");
    const std::size_t counted = at == std::string::npos ? 0 : std::stoul(md.substr(at + std::string("……另有 ").size()));
    CHECK(whole + listed + counted == 60);
    CHECK(md.find("另有 " + std::to_string(60 - whole) + " 项（篇幅所限，只列标题）") != std::string::npos);
  }
}

TEST_CASE("robot markdown cuts one oversized reminder at a character boundary") {
  render::ReminderView v = view("项目", "2024-10-18T16:00Z", 3);
  v.phrase.clear();
  for (int i = 0; i < 3000; ++i) v.phrase += "申";  // 9000 bytes
  for (std::size_t max = 4090; max <= 4096; ++max) {
    const std::string md = robot_markdown({v}, kWeComMarkdown, max);
    CAPTURE(max);
    CHECK(md.size() <= max);
    CHECK(md.size() >= max - 3);
    CHECK(valid_utf8(md));
    CHECK(md.ends_with("…"));
  }
}

TEST_CASE("robot markdown keeps links inside their parentheses and fields on their lines") {
  render::ReminderView v = view("项目\n第二行", "2024-10-18T16:00Z", 3);
  v.link = "https://example.cn/a (b)";
  const std::string md = robot_markdown({v}, kWeComMarkdown, 4096);
  CHECK(md.find("### 项目 第二行\n") != std::string::npos);
  CHECK(md.find("(https://example.cn/a%20%28b%29)") != std::string::npos);
}

TEST_CASE("robot markdown shows the printed addresses - web ones linked, a misprint 原文如此 as text") {
  render::ReminderView v = view("省前沿技术指南调研", "2024-11-28T16:00:00Z", 3);
  v.addresses = {
      {"网上申报系统", "江苏省科技计划管理信息平台", "https://kjyh.kxjst.jiangsu.gov.cn/", "", "https://kjyh.kxjst.jiangsu.gov.cn/", "", ""},
      {"电子邮箱", "", "jskjtgxc@163.com", "", "mailto:jskjtgxc@163.com", "", ""},
      {"网上申报系统", "江苏政务服务网", "https://www.jszfw.gov.cn/", "原文如此", "", "", ""},
  };
  const std::string md = robot_markdown({v}, kWeComMarkdown, 4096, true);
  CHECK(md.find("网上申报系统：江苏省科技计划管理信息平台 [https://kjyh.kxjst.jiangsu.gov.cn/](https://kjyh.kxjst.jiangsu.gov.cn/)") !=
        std::string::npos);
  CHECK(md.find("电子邮箱：jskjtgxc@163.com") != std::string::npos);
  CHECK(md.find("网上申报系统：江苏政务服务网 https://www.jszfw.gov.cn/（原文如此）") != std::string::npos);
  CHECK(md.find("](https://www.jszfw") == std::string::npos);
}

TEST_CASE("a test reminder is marked 【测试】 in the title, under it, and on its entry, for every robot") {
  render::ReminderView v = view("省级专精特新中小企业", "2024-10-18T16:00:00Z", 7);
  v.lead = "test";
  v.test = true;
  for (const RobotMarkdownDialect* dialect : {&kWeComMarkdown, &kDingTalkMarkdown, &kFeishuMarkdown}) {
    const std::string text = robot_markdown({v}, *dialect, 4096);
    CHECK(text.find("【测试】申报截止提醒") != std::string::npos);
    CHECK(text.find("【测试】这是在订阅管理页面发起的测试提醒") != std::string::npos);
    CHECK(text.find("【测试】省级专精特新中小企业") != std::string::npos);
    CHECK(text.find("截止") != std::string::npos);  // the keyword groups configure
    const std::string untitled = robot_markdown({v}, *dialect, 4096, /*with_title=*/false);
    CHECK(untitled.find("【测试】省级专精特新中小企业") != std::string::npos);
  }
  CHECK(robot_title(1, 0, true) == "【测试】申报截止提醒");
  CHECK(robot_title(1, 0) == "申报截止提醒");
  // A real reminder has no marker.
  CHECK(robot_markdown({view("省级专精特新中小企业", "2024-10-18T16:00:00Z", 7)}, kWeComMarkdown, 4096).find("测试") ==
        std::string::npos);
}
