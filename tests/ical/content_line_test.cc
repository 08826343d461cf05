#include "ical/content_line.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace deadline::ical;

namespace {

// The physical lines of folded output, each without its CRLF; fails on a bare CR or LF.
std::vector<std::string> physical_lines(const std::string& folded) {
  std::vector<std::string> lines;
  std::size_t at = 0;
  while (at < folded.size()) {
    const std::size_t end = folded.find("\r\n", at);
    REQUIRE(end != std::string::npos);
    lines.push_back(folded.substr(at, end - at));
    at = end + 2;
  }
  for (const std::string& line : lines) CHECK(line.find_first_of("\r\n") == std::string::npos);
  return lines;
}

// RFC 5545 §3.1 unfolding: drop each CRLF followed by a space, then the final CRLF.
std::string unfold(std::string folded) {
  REQUIRE(folded.ends_with("\r\n"));
  folded.resize(folded.size() - 2);
  for (std::size_t at = folded.find("\r\n "); at != std::string::npos; at = folded.find("\r\n ", at)) {
    folded.erase(at, 3);
  }
  return folded;
}

bool continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xc0u) == 0x80u; }

std::size_t utf8_length(char lead) {
  const auto byte = static_cast<unsigned char>(lead);
  return byte < 0x80 ? 1 : byte < 0xe0 ? 2 : byte < 0xf0 ? 3 : 4;
}

// Every property the fold promises, for any input line.
void check_folding(const std::string& line) {
  CAPTURE(line);
  const std::string folded = fold_line(line);
  const std::vector<std::string> lines = physical_lines(folded);
  REQUIRE_FALSE(lines.empty());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    CAPTURE(i);
    CHECK(lines[i].size() <= 75);
    std::string_view content = lines[i];
    if (i > 0) {
      REQUIRE(content.starts_with(' '));
      content.remove_prefix(1);
      CHECK_FALSE(content.empty());
    }
    if (!content.empty()) CHECK_FALSE(continuation_byte(content.front()));  // no split character
    // Greedy: a line is folded only where the next whole character would not fit.
    if (i + 1 < lines.size()) CHECK(lines[i].size() + utf8_length(lines[i + 1][1]) > 75);
  }
  CHECK(unfold(folded) == line);
}

std::string repeat(std::string_view piece, int times) {
  std::string text;
  for (int i = 0; i < times; ++i) text += piece;
  return text;
}

}  // namespace

TEST_CASE("escape_text: each special character") {
  CHECK(escape_text("a\\b") == "a\\\\b");
  CHECK(escape_text("a;b") == "a\\;b");
  CHECK(escape_text("a,b") == "a\\,b");
  CHECK(escape_text("a\r\nb") == "a\\nb");  // CRLF is one line end
  CHECK(escape_text("a\nb") == "a\\nb");
  CHECK(escape_text("a\rb") == "a\\nb");
  CHECK(escape_text("\n\r") == "\\n\\n");    // LF then a lone CR: two line ends
  CHECK(escape_text("\r\n\r\n") == "\\n\\n");
  CHECK(escape_text("申报:时间（10月）\"x\"") == "申报:时间（10月）\"x\"");  // colon and quotes stay
  CHECK(escape_text("") == "");
  CHECK(escape_text("原文：a;b,c\\d\ne") == "原文：a\\;b\\,c\\\\d\\ne");
}

TEST_CASE("fold_line: ASCII at 75, 76 and 150 octets") {
  const std::string a75(75, 'a');
  CHECK(fold_line(a75) == a75 + "\r\n");
  CHECK(fold_line(a75 + "b") == a75 + "\r\n b\r\n");
  CHECK(fold_line(a75 + std::string(74, 'b') + "c") == a75 + "\r\n " + std::string(74, 'b') + "\r\n c\r\n");
  CHECK(fold_line("") == "\r\n");
}

TEST_CASE("fold_line: the 75th octet inside a Chinese character folds before that character") {
  // 8 + 22 × 3 = 74 octets; the 23rd character would take octets 75-77.
  const std::string line = "SUMMARY:省级专精特新中小企业认定申报时间以当年通知为准请企业及时关注系统";
  const std::string expected =
      "SUMMARY:省级专精特新中小企业认定申报时间以当年通知为\r\n"
      " 准请企业及时关注系统\r\n";
  CHECK(fold_line(line) == expected);
  CHECK(physical_lines(expected)[0].size() == 74);
  check_folding(line);
}

TEST_CASE("fold_line: the 75th octet ending a Chinese character folds right after it") {
  // 12 + 21 × 3 = 75 octets exactly.
  const std::string line = "DESCRIPTION:智能工厂梯度培育申报主体须在中华人民共和国境内注册具有独立法人资格";
  const std::string expected =
      "DESCRIPTION:智能工厂梯度培育申报主体须在中华人民共和国\r\n"
      " 境内注册具有独立法人资格\r\n";
  CHECK(fold_line(line) == expected);
  CHECK(physical_lines(expected)[0].size() == 75);
  check_folding(line);
}

TEST_CASE("fold_line: continuation lines hold 74 octets after their space") {
  // 2 + 24 × 3 = 74, then 24 characters (1 + 72 octets) per continuation: never a split.
  const std::string line = "X:" + repeat("申", 24) + repeat("报", 24) + repeat("时", 4);
  CHECK(fold_line(line) == "X:" + repeat("申", 24) + "\r\n " + repeat("报", 24) + "\r\n " + repeat("时", 4) + "\r\n");
  // Two ASCII octets ahead of the characters: a continuation filled to exactly 75.
  const std::string shifted = std::string(75, 'a') + "bc" + repeat("间", 25);
  CHECK(fold_line(shifted) == std::string(75, 'a') + "\r\n bc" + repeat("间", 24) + "\r\n 间\r\n");
}

TEST_CASE("fold_line: every line within 75 octets and unfolding restores the input") {
  // Every alignment of 1- to 4-octet characters against the fold points.
  for (std::size_t ascii = 0; ascii < 6; ++ascii) {
    for (const char* character : {"é", "申", "😀"}) {
      for (int count = 0; count < 80; count += 7) {
        check_folding(std::string(ascii, 'k') + ":" + repeat(character, count) + "a");
      }
    }
  }
  check_folding("DESCRIPTION:" + repeat("原文：于2024年10月30日前将书面推荐函、申报材料报送\\n", 6));
}

TEST_CASE("add_property: name, colon, value, folded") {
  std::string out = "BEGIN:VEVENT\r\n";
  add_property(out, "SUMMARY", escape_text("截止：a,b"));
  add_property(out, "DTSTART;VALUE=DATE", "20241029");
  CHECK(out == "BEGIN:VEVENT\r\nSUMMARY:截止：a\\,b\r\nDTSTART;VALUE=DATE:20241029\r\n");
  std::string long_out;
  add_property(long_out, "SUMMARY", repeat("申", 30));
  CHECK(long_out == "SUMMARY:" + repeat("申", 22) + "\r\n " + repeat("申", 8) + "\r\n");
}

TEST_CASE("quote_param: a quoted-string, RFC 6868 caret encoding for what it cannot hold") {
  CHECK(quote_param("申报提醒") == "\"申报提醒\"");
  CHECK(quote_param("a;b:c,d") == "\"a;b:c,d\"");
  CHECK(quote_param("say \"hi\"") == "\"say ^'hi^'\"");
  CHECK(quote_param("x^y") == "\"x^^y\"");
  CHECK(quote_param("one\r\ntwo\nthree\rfour") == "\"one^ntwo^nthree^nfour\"");
  CHECK(quote_param("a\tb\x01" "c\x7f") == "\"a\tbc\"");
  CHECK(quote_param("") == "\"\"");
}

TEST_CASE("mailto_uri: RFC 6068's characters kept, the rest percent-encoded") {
  CHECK(mailto_uri("reminders@deadlined.example.cn") == "mailto:reminders@deadlined.example.cn");
  CHECK(mailto_uri("a.b-c_d~e+f!g$h'i*j@x.cn") == "mailto:a.b-c_d~e+f!g$h'i*j@x.cn");
  CHECK(mailto_uri("p%q?r#s&t=u/v{w|x}y^z`@x.cn") == "mailto:p%25q%3Fr%23s%26t%3Du%2Fv%7Bw%7Cx%7Dy%5Ez%60@x.cn");
  CHECK(mailto_uri("a,b;c: d@x.cn") == "mailto:a%2Cb%3Bc%3A%20d@x.cn");
  CHECK(mailto_uri("申@x.cn") == "mailto:%E7%94%B3@x.cn");
}
