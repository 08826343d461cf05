#include "mail/header_encoding.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "base/base64.h"
#include "mail/utf8.h"
#include "mail_test_support.h"

using namespace deadline;
using namespace deadline::mail;

namespace {

const std::vector<std::string> kSamples = {
    "【申报提醒】省级专精特新中小企业（2024年第二批） 还剩 7 天",
    "江苏省惠企政策申报提醒",
    "a",
    "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀",   // 4-byte characters
    "ASCII then 中文 then ASCII again, with punctuation: =?\"<>",
    std::string(300, 'x'),
    "首台（套）重大技术装备保险补偿首台（套）重大技术装备保险补偿首台（套）重大技术装备保险补偿首台（套）重大技术装备保险补偿",
};

// The bytes an encoded word carries.
std::string payload(const std::string& word) {
  REQUIRE(word.starts_with("=?UTF-8?B?"));
  REQUIRE(word.ends_with("?="));
  Result<std::string> bytes = base64_decode(std::string_view(word).substr(10, word.size() - 12));
  REQUIRE(bytes);
  return *bytes;
}

std::string folded_subject(const std::string& text) {
  Result<std::string> value = encode_unstructured("Subject", text);
  REQUIRE(value);
  Result<std::string> field = fold_header("Subject", *value);
  REQUIRE(field);
  return *field;
}

std::string decoded_field(const std::string& field) {
  const std::size_t colon = field.find(':');
  std::string value = field.substr(colon + 1);
  REQUIRE(value.ends_with("\r\n"));
  value.resize(value.size() - 2);
  if (value.starts_with(" ")) value.erase(0, 1);
  Result<std::string> decoded = decode_header_value(value);
  REQUIRE(decoded);
  return *decoded;
}

}  // namespace

TEST_CASE("header encoding: encoded words decode back and never split a character") {
  for (const std::string& sample : kSamples) {
    for (std::size_t first : {16u, 20u, 21u, 40u, 67u, 75u, 100u}) {
      for (std::size_t rest : {20u, 33u, 75u}) {
        const std::vector<std::string> words = encode_words(sample, first, rest);
        std::string joined;
        for (std::size_t i = 0; i < words.size(); ++i) {
          const std::size_t limit = std::min<std::size_t>(std::max<std::size_t>(i == 0 ? first : rest, 20), 75);
          CHECK(words[i].size() <= limit);
          const std::string bytes = payload(words[i]);
          CHECK(!bytes.empty());
          CHECK(utf8::valid(bytes));  // whole characters in every word
          joined += bytes;
        }
        CHECK(joined == sample);
      }
    }
  }
  CHECK(encode_words("").empty());
}

TEST_CASE("header encoding: Python's email.header output decodes") {
  // Computed once with /usr/bin/python3 (3.11):
  //   email.header.Header(s, "utf-8", header_name="Subject").encode()
  // and pasted; its folding is LF + space.
  CHECK(*decode_header_value("=?utf-8?b?44CQ55Sz5oql5o+Q6YaS44CR55yB57qn5LiT57K+54m55paw5Lit5bCP?=\n"
                             " =?utf-8?b?5LyB5Lia77yIMjAyNOW5tOesrOS6jOaJue+8iSDov5jliakgNyDlpKk=?=") ==
        "【申报提醒】省级专精特新中小企业（2024年第二批） 还剩 7 天");
  CHECK(*decode_header_value("=?utf-8?b?5rGf6IuP55yB5oOg5LyB5pS/562W55Sz5oql5o+Q6YaS?=") == "江苏省惠企政策申报提醒");
  CHECK(*decode_header_value("=?utf-8?b?8J+YgCBlbW9qaSDnlLPmiqUgPT91dGYtOD9xP3g/PQ==?=") ==
        "😀 emoji 申报 =?utf-8?q?x?=");
  // Q encoding and text around words.
  CHECK(*decode_header_value("Re: =?UTF-8?Q?caf=C3=A9_au_lait?= ok") == "Re: café au lait ok");
  CHECK_FALSE(decode_header_value("=?gb2312?B?1tDOxA==?="));
}

TEST_CASE("header encoding: our encoding is what Python decodes") {
  // These exact lines were fed once to /usr/bin/python3's
  // email.message_from_bytes(..., policy=email.policy.default), which gave back the original
  // text; they pin the encoder's output.
  CHECK(folded_subject("【申报提醒】省级专精特新中小企业（2024年第二批） 还剩 7 天") ==
        "Subject: =?UTF-8?B?44CQ55Sz5oql5o+Q6YaS44CR55yB57qn5LiT57K+54m55paw5Lit?=\r\n"
        " =?UTF-8?B?5bCP5LyB5Lia77yIMjAyNOW5tOesrOS6jOaJue+8iSDov5jliakgNyDlpKk=?=\r\n");
  CHECK(folded_subject("😀 emoji 申报 =?utf-8?q?x?=") ==
        "Subject: =?UTF-8?B?8J+YgCBlbW9qaSDnlLPmiqUgPT91dGYtOD9xP3g/PQ==?=\r\n");
  Result<std::string> from = format_mailbox("From", "江苏省惠企政策申报提醒", "remind@example.org");
  REQUIRE(from);
  CHECK(*fold_header("From", *from) ==
        "From: =?UTF-8?B?5rGf6IuP55yB5oOg5LyB5pS/562W55Sz5oql5o+Q6YaS?=\r\n <remind@example.org>\r\n");
}

TEST_CASE("header encoding: folded lines stay within 76 characters and round trip") {
  std::vector<std::string> texts = kSamples;
  // Every length from 1 to 120 characters of mixed widths (1 to 4 bytes).
  const std::vector<std::string> characters = {"申", "a", "报", "😀", "提", "é", "醒", " ", "x"};
  std::string growing;
  for (std::size_t i = 0; i < 120; ++i) {
    growing += characters[i % characters.size()];
    texts.push_back(growing);
  }
  for (const std::string& text : texts) {
    for (const std::string& name : std::vector<std::string>{"Subject", "X-Long-Header-Name-For-Testing"}) {
      Result<std::string> value = encode_unstructured(name, text);
      REQUIRE(value);
      Result<std::string> field = fold_header(name, *value);
      REQUIRE(field);
      CHECK(test::mail::bare_line_end(*field) == std::string::npos);
      std::vector<std::string> lines = test::mail::split_crlf(*field);
      REQUIRE(lines.back().empty());
      lines.pop_back();
      for (std::size_t i = 0; i < lines.size(); ++i) {
        INFO(lines[i]);
        CHECK(lines[i].size() <= kMaxHeaderLine);
        if (i > 0) {
          CHECK(lines[i].starts_with(" "));
          CHECK(lines[i].find_first_not_of(' ') != std::string::npos);  // never whitespace only
        }
      }
      CHECK(decoded_field(*field) == text);
    }
  }
}

TEST_CASE("header encoding: plain ASCII stays plain and look-alikes are neutralised") {
  CHECK(*encode_unstructured("Subject", "Quarterly reminder") == "Quarterly reminder");
  // Something a reader would decode as an encoded word must not pass as plain text.
  const std::string lookalike = "=?utf-8?q?x?=";
  Result<std::string> value = encode_unstructured("Subject", lookalike);
  REQUIRE(value);
  CHECK(value->starts_with("=?UTF-8?B?"));
  CHECK(*decode_header_value(*value) == lookalike);
  // Doubled, leading and trailing spaces survive (encoded) instead of being folded away.
  for (const std::string& text : std::vector<std::string>{"a  b", " a", "a "}) {
    Result<std::string> encoded = encode_unstructured("Subject", text);
    REQUIRE(encoded);
    CHECK(*decode_header_value(*encoded) == text);
  }
  // A long ASCII word cannot be folded: it is encoded so that lines stay short.
  const std::string long_word(100, 'y');
  Result<std::string> folded = fold_header("Subject", *encode_unstructured("Subject", long_word));
  REQUIRE(folded);
  for (const std::string& line : test::mail::split_crlf(*folded)) CHECK(line.size() <= kMaxHeaderLine);
}

TEST_CASE("header encoding: the validator refuses what could inject") {
  struct Case {
    std::string value;
    std::string expected;  // part of the error
  };
  const std::vector<Case> cases = {
      {"name\r\nBcc: x@example.com", "carriage return (CR) at byte 4"},
      {"name\nBcc: x@example.com", "line feed (LF) at byte 4"},
      {std::string("na\0me", 5), "NUL byte at byte 2"},
      {"tab\there", "a tab"},
      {"bell\x07", "control character (0x07)"},
      {"del\x7f", "control character (0x7F)"},
      {"c1 \xc2\x85 next line", "control character (U+0085)"},
      {"line \xe2\x80\xa8 separator", "line or paragraph separator (U+2028)"},
      {"evil \xe2\x80\xae reversed", "bidirectional control (U+202E)"},
      {"isolate \xe2\x81\xa6", "bidirectional control (U+2066)"},
      {"overlong \xc0\xaf", "not valid UTF-8 at byte 9"},
      {"lone \x80 continuation", "not valid UTF-8 at byte 5"},
      {"surrogate \xed\xa0\x80", "not valid UTF-8 at byte 10"},
      {"truncated \xe4\xb8", "not valid UTF-8 at byte 10"},
      {"beyond \xf4\x90\x80\x80", "not valid UTF-8"},
      {std::string(201, 'a'), "is 201 bytes, longer than the limit of 200"},
  };
  for (const Case& c : cases) {
    Status status = check_header_text("From display name", c.value, kMaxDisplayNameBytes);
    INFO(c.expected);
    REQUIRE_FALSE(status);
    CHECK(status.error().starts_with("From display name: "));
    CHECK(status.error().find(c.expected) != std::string::npos);
  }
  CHECK(check_header_text("Subject", "【申报提醒】江苏省 还剩 7 天 😀 \"quoted\" <angle>", kMaxSubjectBytes));
  CHECK(check_header_text("Subject", "", kMaxSubjectBytes));
  // The encoders refuse the same things, naming the field.
  Result<std::string> subject = encode_unstructured("Subject", "hi\r\nBcc: x@example.com");
  REQUIRE_FALSE(subject);
  CHECK(subject.error().starts_with("Subject: "));
}

TEST_CASE("header encoding: display names and addresses") {
  CHECK(*format_mailbox("From", "", "a@example.org") == "a@example.org");
  CHECK(*format_mailbox("From", "Deadline Reminders", "a@example.org") == "Deadline Reminders <a@example.org>");
  CHECK(*format_mailbox("From", "Smith, John (CEO)", "a@example.org") == "\"Smith, John (CEO)\" <a@example.org>");
  CHECK(*format_mailbox("From", "say \"hi\" \\ bye", "a@example.org") == "\"say \\\"hi\\\" \\\\ bye\" <a@example.org>");
  Result<std::string> chinese = format_mailbox("From", "申报提醒", "a@example.org");
  REQUIRE(chinese);
  CHECK(chinese->starts_with("=?UTF-8?B?"));
  CHECK(*decode_header_value(*chinese) == "申报提醒 <a@example.org>");
  // An encoded-word look-alike is encoded, so a reader shows it literally.
  Result<std::string> lookalike = format_mailbox("From", "=?utf-8?q?Bank?=", "a@example.org");
  REQUIRE(lookalike);
  CHECK(*decode_header_value(*lookalike) == "=?utf-8?q?Bank?= <a@example.org>");
  // A long ASCII name becomes encoded words so that it can fold.
  Result<std::string> long_name = format_mailbox("From", std::string(150, 'n'), "a@example.org");
  REQUIRE(long_name);
  Result<std::string> folded = fold_header("From", *long_name);
  REQUIRE(folded);
  for (const std::string& line : test::mail::split_crlf(*folded)) CHECK(line.size() <= kMaxHeaderLine);

  Result<std::string> bad_name = format_mailbox("From", "x\r\nBcc: y@example.org", "a@example.org");
  REQUIRE_FALSE(bad_name);
  CHECK(bad_name.error().starts_with("From display name: "));
  for (const std::string& address : std::vector<std::string>{"a@example.org\r\nBcc: b@example.org", "a@example.org>", "<a@example.org",
                                    "a@example.org, b@example.org", "a b@example.org", "", "noat"}) {
    Result<std::string> mailbox = format_mailbox("To", "", address);
    INFO(address);
    REQUIRE_FALSE(mailbox);
    CHECK(mailbox.error().starts_with("To address: "));
  }
}

TEST_CASE("header encoding: fold_header refuses raw text") {
  CHECK_FALSE(fold_header("Subject", "a\r\nBcc: x@example.org"));
  CHECK_FALSE(fold_header("Subject", "a\nb"));
  CHECK_FALSE(fold_header("Subject", "a\rb"));
  CHECK_FALSE(fold_header("Subject", std::string("a\0b", 3)));
  CHECK_FALSE(fold_header("Subject", "中文"));
  CHECK_FALSE(fold_header("Subject", "a\tb"));
  CHECK_FALSE(fold_header("Subject", " a"));
  CHECK_FALSE(fold_header("Bad Name", "a"));
  CHECK_FALSE(fold_header("Bad:Name", "a"));
  CHECK_FALSE(fold_header("", "a"));
  CHECK_FALSE(fold_header("Subject", std::string(1000, 'a')));
  CHECK(*fold_header("Subject", "") == "Subject:\r\n");
  CHECK(*fold_header("List-Unsubscribe", "<https://example.org/" + std::string(100, 'u') + ">") ==
        "List-Unsubscribe: <https://example.org/" + std::string(100, 'u') + ">\r\n");
}

TEST_CASE("header encoding: message ids") {
  CHECK(check_message_id("3f2a9c0d41b7e8a65c1d0e9f7b2a4c68"));
  CHECK(check_message_id("A-b_9"));
  CHECK_FALSE(check_message_id(""));
  CHECK_FALSE(check_message_id(std::string(65, 'a')));
  CHECK_FALSE(check_message_id("a@b"));
  CHECK_FALSE(check_message_id("a.b"));
  CHECK_FALSE(check_message_id("a\r\nb"));
  CHECK_FALSE(check_message_id("a>b"));
}
