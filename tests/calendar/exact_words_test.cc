// Exact words: what the bundled calendar quotes from the handbook is in the handbook, character for
// character. The handbook's text is kept under tests/fixtures/ (a copy of the plain-text seed,
// shared/seeds/000_67a2823f389d9eac.txt); its SHA-256 is pinned, so the copy cannot drift.
//
// The seed marks bold type with markdown's "**" ("**申报时间：**10月"); the markers are not printed
// words, so they are removed before comparing. Nothing else is normalised: not spaces, not
// full-width against half-width punctuation, not line breaks. A phrase must be contiguous as printed.

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/sha256.h"
#include "calendar/loader.h"
#include "test_support.h"

using namespace deadline;

namespace {

// sha256sum shared/seeds/000_67a2823f389d9eac.txt
constexpr const char* kHandbookSha256 = "09717b85319bc91dc4401d371165a3e2fa703eda442c5c550fad3905ad0487e9";

std::filesystem::path handbook_path() {
  return std::filesystem::path(DEADLINED_TEST_DIR) / "fixtures" / "handbook-jiangsu-2024q4.txt";
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), path.string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// The handbook as printed: the seed without its bold markers.
const std::string& printed() {
  static const std::string text = [] {
    std::string raw = read_bytes(handbook_path());
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw.compare(i, 2, "**") == 0) {
        ++i;
        continue;
      }
      out += raw[i];
    }
    return out;
  }();
  return text;
}

// Programme N's part of the handbook: from the end of programme N-1's link (or the heading of
// programme 1) to the end of its own link. Every programme's section ends with its link.
std::string section_of(const Programme& p, const Calendar& calendar) {
  const std::string& text = printed();
  std::size_t begin = text.find("\n1.首台（套）重大技术装备保险补偿\n");
  REQUIRE(begin != std::string::npos);
  for (const Programme& other : calendar.programmes()) {
    if (other.number != p.number - 1) continue;
    const std::size_t link = text.find(other.link);
    REQUIRE(link != std::string::npos);
    begin = link + other.link.size();
  }
  const std::size_t end = text.find(p.link);
  REQUIRE(end != std::string::npos);
  REQUIRE(begin < end);
  return text.substr(begin, end + p.link.size() - begin);
}

}  // namespace

TEST_CASE("the handbook copy under tests/fixtures is the seed, byte for byte") {
  CHECK(sha256_hex(read_bytes(handbook_path())) == kHandbookSha256);
}

TEST_CASE("every phrase the calendar quotes is in the handbook as printed - in its own programme's section") {
  const Calendar& calendar = deadline::test::handbook();
  std::size_t checked = 0;
  for (const Policy& policy : calendar.policies()) {
    CAPTURE(policy.id);
    CHECK_MESSAGE(printed().find(policy.period_phrase) != std::string::npos, policy.period_phrase);
    ++checked;
  }
  for (const Programme& p : calendar.programmes()) {
    CAPTURE(p.number);
    const std::string section = section_of(p, calendar);
    for (const Window& w : p.written_windows) {
      CAPTURE(w.key);
      CHECK_MESSAGE(section.find(w.phrase) != std::string::npos, w.phrase);
      ++checked;
    }
  }
  // 4 policy periods and 30 written windows: a count, so the test cannot silently check nothing.
  CHECK(checked == 34);
}

TEST_CASE("every printed address and system name is in its programme's section, as printed") {
  const Calendar& calendar = deadline::test::handbook();
  std::size_t checked = 0;
  for (const Programme& p : calendar.programmes()) {
    CAPTURE(p.number);
    const std::string section = section_of(p, calendar);
    for (const Address& a : p.addresses) {
      CHECK_MESSAGE(section.find(a.printed) != std::string::npos, a.printed);
      ++checked;
      if (!a.name.empty()) {
        CHECK_MESSAGE(section.find(a.name) != std::string::npos, a.name);
        ++checked;
      }
    }
  }
  // 18 addresses, 8 of them with a printed system name.
  CHECK(checked == 26);
}

TEST_CASE("the bundled calendar carries every address the handbook prints") {
  const Calendar& calendar = deadline::test::handbook();
  const auto has = [&](int number, AddressKind kind, std::string_view part) {
    for (const Programme& p : calendar.programmes()) {
      if (p.number != number) continue;
      for (const Address& a : p.addresses) {
        if (a.kind == kind && a.printed.find(part) != std::string::npos) return true;
      }
    }
    return false;
  };
  using K = AddressKind;
  const struct { int number; AddressKind kind; const char* part; } rows[] = {
      {2, K::submission_system, "xclcygx-miit.gov.cn"},
      {3, K::submission_system, "jszfw.gov.cn"},
      {5, K::submission_system, "miit-imps.com"},
      {10, K::mailbox, "yaoxincheng@caict.ac.cn"},
      {13, K::mailbox, "dipa@jingjinji.cn"},
      {14, K::submission_system, "service.most.gov.cn"},
      {15, K::submission_system, "kjyh.kxjst.jiangsu.gov.cn"},
      {15, K::mailbox, "jskjtgxc@163.com"},
      {16, K::submission_system, "kjhh.kxjst.jiangsu.gov.cn"},
      {17, K::submission_system, "jszfwf.gov.cn"},
      {20, K::mailbox, "05100232@163.com"},
      {18, K::forms_page, "samr.gov.cn"},
      {6, K::postal_address, "北京市西城区西长安街13号"},
      {9, K::postal_address, "北京市西城区西长安街13号"},
      {10, K::postal_address, "北京市西城区西长安街13号"},
      {11, K::postal_address, "邮编：100804"},
      {16, K::postal_address, "南京市龙蟠路175号"},
      {17, K::postal_address, "邮编:210036"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.number);
    CAPTURE(row.part);
    CHECK(has(row.number, row.kind, row.part));
  }
  // The two misspellings of 江苏政务服务网 (jszwfw.gov.cn) are shown as printed, 原文如此, unlinked.
  for (const Programme& p : calendar.programmes()) {
    for (const Address& a : p.addresses) {
      if (a.printed.find("jszfw") == std::string::npos) continue;
      CAPTURE(a.printed);
      CHECK(a.misprint);
      CHECK(a.corrected.empty());
      CHECK(a.href().empty());
    }
  }
}

TEST_CASE("book titles in eligibility keep their punctuation as printed") {
  // e.g. P2 《重点新材料首批次应用示范指导目录(2024年版)》 and P17 《…(绿色建筑)…》 with half-width brackets.
  const Calendar& calendar = deadline::test::handbook();
  const std::string open = "《", close = "》";
  std::size_t checked = 0;
  for (const Programme& p : calendar.programmes()) {
    CAPTURE(p.number);
    const std::string section = section_of(p, calendar);
    const std::string& text = p.eligibility;
    for (std::size_t at = text.find(open); at != std::string::npos; at = text.find(open, at + open.size())) {
      const std::size_t end = text.find(close, at);
      REQUIRE(end != std::string::npos);
      const std::string title = text.substr(at, end + close.size() - at);
      CHECK_MESSAGE(section.find(title) != std::string::npos, title);
      ++checked;
    }
  }
  CHECK(checked == 9);
}

TEST_CASE("eligibility keeps the handbook's qualifiers") {
  const Calendar& calendar = deadline::test::handbook();
  const auto eligibility = [&](int number) {
    for (const Programme& p : calendar.programmes()) {
      if (p.number == number) return p.eligibility;
    }
    FAIL("no programme " << number);
    return std::string();
  };
  const struct { int number; const char* qualifier; } rows[] = {
      {3, "与省内上述企业存在控股关系（持股或被持股比例超过50%）的企业"},
      {14, "无在惩戒执行期内的科研严重失信行为记录"},
      {18, "法律、行政法规对从事相关检测评定有资质许可规定的，申报组织应当依法取得相应资质"},
      {2, "《重点新材料首批次应用示范指导目录(2024年版)》"},
      {12, "项目(课题)负责人须具有高级职称或博士学位"},
      {17, "《省级城乡建设发展专项资金(绿色建筑)储备库项目申报指南》"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.number);
    CHECK(printed().find(row.qualifier) != std::string::npos);
    CHECK(eligibility(row.number).find(row.qualifier) != std::string::npos);
  }
}

TEST_CASE("a recurs_reason that quotes the handbook quotes it exactly") {
  // docs/calendar-format.md, Recurrence: "手册：" reasons quote the text in “…”.
  const Calendar& calendar = deadline::test::handbook();
  std::size_t checked = 0;
  for (const Programme& p : calendar.programmes()) {
    if (p.recurs_reason.rfind("手册：", 0) != 0) continue;
    CAPTURE(p.number);
    const std::string section = section_of(p, calendar);
    const std::string& r = p.recurs_reason;
    // Each top-level “…” (a quote may hold a nested “…”, as in “小巨人”).
    const std::string open = "“", close = "”";
    for (std::size_t at = r.find(open); at != std::string::npos; at = r.find(open, at)) {
      std::size_t depth = 0, i = at;
      std::size_t end = std::string::npos;
      while (i < r.size()) {
        if (r.compare(i, open.size(), open) == 0) { ++depth; i += open.size(); continue; }
        if (r.compare(i, close.size(), close) == 0) {
          if (--depth == 0) { end = i; break; }
          i += close.size();
          continue;
        }
        ++i;
      }
      REQUIRE(end != std::string::npos);
      const std::string quote = r.substr(at + open.size(), end - at - open.size());
      CHECK_MESSAGE(section.find(quote) != std::string::npos, quote);
      ++checked;
      at = end + close.size();
    }
  }
  CHECK(checked == 13);
}
