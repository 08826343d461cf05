#include "mail/mime.h"

#include <doctest/doctest.h>

#include <set>
#include <string>

#include "mail_test_support.h"

using namespace deadline;
using namespace deadline::mail;

namespace {

const std::string kText = "第一行\n第二行\r\n第三行\rlast line with = sign and trailing space \n.leading dot\nFrom here\n";
const std::string kHtml = "<p>申报 &amp; 提醒</p>\n<p>--=_not-a-boundary</p>\r\n";
const std::string kCalendar = "BEGIN:VCALENDAR\nVERSION:2.0\nMETHOD:PUBLISH\nEND:VCALENDAR\n";

MimeMessage sample(TransferEncoding encoding, bool with_attachment) {
  MimeMessage message;
  message.headers = {{"From", "a@example.org"}, {"To", "b@example.org"}, {"Subject", "hello"}};
  message.text = kText;
  message.html = kHtml;
  message.encoding = encoding;
  if (with_attachment) {
    message.attachment = MimeAttachment{"text/calendar; method=PUBLISH; charset=UTF-8", "reminders.ics", kCalendar};
  }
  return message;
}

}  // namespace

TEST_CASE("mime: line ends are normalised to CRLF") {
  CHECK(normalize_line_ends("a\nb\rc\r\nd\n\re") == "a\r\nb\r\nc\r\nd\r\n\r\ne");
  CHECK(normalize_line_ends("\r\r\n\n") == "\r\n\r\n\r\n");
  CHECK(normalize_line_ends("") == "");
}

TEST_CASE("mime: no bare CR or LF anywhere in a built message") {
  for (const TransferEncoding encoding : {TransferEncoding::base64, TransferEncoding::quoted_printable}) {
    for (const bool attachment : {false, true}) {
      Result<std::string> built = build_mime(sample(encoding, attachment));
      REQUIRE(built);
      CHECK(test::mail::bare_line_end(*built) == std::string::npos);
      CHECK(built->ends_with("\r\n"));
      for (const char c : *built) {
        const auto byte = static_cast<unsigned char>(c);
        CHECK(((byte >= 0x20 && byte < 0x7f) || byte == '\r' || byte == '\n'));  // 7-bit, no controls
      }
      for (const std::string& line : test::mail::split_crlf(*built)) CHECK(line.size() <= 76);
    }
  }
}

TEST_CASE("mime: the tree and its parts decode back to the normalised inputs") {
  for (const TransferEncoding encoding : {TransferEncoding::base64, TransferEncoding::quoted_printable}) {
    Result<std::string> built = build_mime(sample(encoding, true));
    REQUIRE(built);
    const test::mail::Entity top = test::mail::split_entity(*built);
    const std::vector<test::mail::Field> fields = test::mail::fields(top);
    REQUIRE(fields.size() == 5);
    CHECK(fields[0].name == "From");
    CHECK(fields[2].name == "Subject");
    CHECK(fields[3].name == "MIME-Version");
    CHECK(fields[3].value == "1.0");
    CHECK(fields[4].value.starts_with("multipart/mixed;"));

    const std::vector<test::mail::Leaf> leaves = test::mail::leaves(*built);
    REQUIRE(leaves.size() == 3);
    const std::string encoding_name = encoding == TransferEncoding::base64 ? "base64" : "quoted-printable";
    CHECK(leaves[0].path.starts_with("multipart/mixed;"));
    CHECK(leaves[0].path.find("> multipart/alternative;") != std::string::npos);
    CHECK(leaves[0].content_type == "text/plain; charset=UTF-8");
    CHECK(leaves[0].encoding == encoding_name);
    CHECK(leaves[0].decoded == normalize_line_ends(kText));
    CHECK(leaves[1].content_type == "text/html; charset=UTF-8");
    CHECK(leaves[1].decoded == normalize_line_ends(kHtml));
    CHECK(leaves[2].content_type == "text/calendar; method=PUBLISH; charset=UTF-8; name=\"reminders.ics\"");
    CHECK(leaves[2].disposition == "attachment; filename=\"reminders.ics\"");
    CHECK(leaves[2].path.find("alternative") == std::string::npos);
    CHECK(leaves[2].decoded == normalize_line_ends(kCalendar));
  }
  // Without an attachment the top is the alternative itself.
  Result<std::string> plain = build_mime(sample(TransferEncoding::base64, false));
  REQUIRE(plain);
  const std::vector<test::mail::Leaf> leaves = test::mail::leaves(*plain);
  REQUIRE(leaves.size() == 2);
  CHECK(leaves[0].path.starts_with("multipart/alternative;"));
}

TEST_CASE("mime: quoted-printable lines stay within 76 and decode back") {
  std::vector<std::string> texts = {
      std::string(200, 'a'),
      std::string(74, 'a') + "==" + std::string(10, 'b'),
      "trailing space \r\ntrailing tab\t\r\n",
      ".starts with a dot\r\nFrom the start\r\n",
      "申报提醒申报提醒申报提醒申报提醒申报提醒申报提醒申报提醒申报提醒申报提醒申报提醒",
      "",
      "\r\n\r\n",
  };
  for (std::size_t n = 60; n < 90; ++n) texts.push_back(std::string(n, 'x') + " ");
  for (const std::string& text : texts) {
    const std::string encoded = quoted_printable(text);
    INFO(encoded);
    CHECK(test::mail::bare_line_end(encoded) == std::string::npos);
    for (const std::string& line : test::mail::split_crlf(encoded)) {
      CHECK(line.size() <= 76);
      CHECK_FALSE(line.ends_with(" "));
      CHECK_FALSE(line.ends_with("\t"));
      CHECK_FALSE(line.starts_with("."));
      CHECK_FALSE(line.starts_with("From "));
    }
    CHECK(test::mail::decode_qp(encoded) == text);
  }
}

TEST_CASE("mime: base64 lines are 76 characters") {
  const std::string encoded = base64_lines(std::string(1000, 'z'));
  const std::vector<std::string> lines = test::mail::split_crlf(encoded);
  for (std::size_t i = 0; i + 2 < lines.size(); ++i) CHECK(lines[i].size() == 76);
  CHECK(lines.back().empty());
}

TEST_CASE("mime: boundaries are fresh and cannot occur in the content") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string boundary = make_boundary();
    CHECK(boundary.size() == 34);
    CHECK(boundary.starts_with("=_"));
    seen.insert(boundary);
  }
  CHECK(seen.size() == 100);

  // Content that looks like our boundaries, in every part.
  MimeMessage message = sample(TransferEncoding::quoted_printable, true);
  message.text = "--=_0123456789abcdef0123456789abcdef\n--=_\n=_";
  message.html = message.text;
  message.attachment->content = message.text;
  Result<std::string> built = build_mime(message);
  REQUIRE(built);
  const std::vector<test::mail::Leaf> leaves = test::mail::leaves(*built);
  REQUIRE(leaves.size() == 3);
  for (const test::mail::Leaf& leaf : leaves) {
    CHECK(leaf.raw_body.find("=_") == std::string::npos);  // '=' is always encoded as =3D
    CHECK(leaf.decoded == normalize_line_ends(message.text));
  }
}

TEST_CASE("mime: the builder refuses hostile headers and parts") {
  const std::vector<HeaderField> bad_headers = {
      {"Subject", "hi\r\nBcc: evil@example.org"},
      {"Subject", "hi\nBcc: evil@example.org"},
      {"Subject", "hi\rBcc: evil@example.org"},
      {"Subject", std::string("hi\0there", 8)},
      {"Subject", "中文 not encoded"},
      {"Subject", "tab\there"},
      {"Bcc: evil@example.org\r\nX", "y"},
      {"Sub ject", "y"},
      {"Sub:ject", "y"},
      {"", "y"},
      {"Content-Type", "text/plain"},
      {"content-transfer-encoding", "8bit"},
      {"MIME-Version", "1.0"},
  };
  for (const HeaderField& field : bad_headers) {
    MimeMessage message = sample(TransferEncoding::base64, false);
    message.headers.push_back(field);
    INFO(field.name);
    CHECK_FALSE(build_mime(message));
  }
  MimeMessage message = sample(TransferEncoding::base64, true);
  message.text = "bad \xff utf-8";
  CHECK_FALSE(build_mime(message));
  message = sample(TransferEncoding::base64, true);
  message.html = std::string("nul\0", 4);
  CHECK_FALSE(build_mime(message));
  for (const std::string& filename : std::vector<std::string>{"", "a\r\nb.ics", "x\".ics", "../x.ics", ".hidden", "名.ics", std::string(65, 'a')}) {
    message = sample(TransferEncoding::base64, true);
    message.attachment->filename = filename;
    INFO(filename);
    CHECK_FALSE(build_mime(message));
  }
  message = sample(TransferEncoding::base64, true);
  message.attachment->content_type = "text/calendar\r\nX-Evil: 1";
  CHECK_FALSE(build_mime(message));
  message.attachment->content_type = "text/calendar; name=\"x\"";
  CHECK_FALSE(build_mime(message));
}

TEST_CASE("quoted-printable: a soft line break never leaves '.' or 'From ' at the start of a line") {
  // 75 characters fill the first physical line; the next token would start the second one.
  for (const std::string rest : {".x", "From here"}) {
    CAPTURE(rest);
    const std::string encoded = quoted_printable(std::string(75, 'a') + rest + "\r\n");
    CHECK(encoded.find("=\r\n.") == std::string::npos);
    CHECK(encoded.find("=\r\nFrom ") == std::string::npos);
    CHECK(encoded.find(rest[0] == '.' ? "=\r\n=2E" : "=\r\n=46rom") != std::string::npos);
  }
}
