#include "mail/dsn.h"

#include <doctest/doctest.h>

#include <string>

#include "base/base64.h"

using namespace deadline;
using namespace deadline::mail;

namespace {

constexpr const char* kDsnId = "3f2a9c0d41b7e8a65c1d0e9f7b2a4c68";

// A bounce as Postfix 3.x writes it (bounce(8) templates, RFC 3464 report): LF line ends as a
// local delivery agent stores it; our VERP sender is both the bounce's recipient and
// X-Postfix-Sender. Folded Content-Type and Diagnostic-Code, a Postfix-style boundary with '/'.
const std::string kPostfixBounce = std::string() +
    "Return-Path: <>\n"
    "X-Original-To: bounces+" + kDsnId + "@deadlined.example.org\n"
    "Delivered-To: bounces+" + kDsnId + "@deadlined.example.org\n"
    "Received: by mail.deadlined.example.org (Postfix)\n"
    "\tid 4XkQ2v1yFzz9sWn; Fri, 11 Oct 2024 09:00:07 +0800 (CST)\n"
    "Date: Fri, 11 Oct 2024 09:00:07 +0800 (CST)\n"
    "From: MAILER-DAEMON@mail.deadlined.example.org (Mail Delivery System)\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "To: bounces+" + kDsnId + "@deadlined.example.org\n"
    "Auto-Submitted: auto-replied\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status;\n"
    "\tboundary=\"4XkQ2v1yFzz9sWn.1728608407/mail.deadlined.example.org\"\n"
    "Content-Transfer-Encoding: 8bit\n"
    "Message-Id: <4XkQ2v1yFzz9sWn@mail.deadlined.example.org>\n"
    "\n"
    "This is a MIME-encapsulated message.\n"
    "\n"
    "--4XkQ2v1yFzz9sWn.1728608407/mail.deadlined.example.org\n"
    "Content-Description: Notification\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "This is the mail system at host mail.deadlined.example.org.\n"
    "\n"
    "I'm sorry to have to inform you that your message could not\n"
    "be delivered to one or more recipients. It's attached below.\n"
    "\n"
    "For further assistance, please send mail to postmaster.\n"
    "\n"
    "If you do so, please include this problem report. You can\n"
    "delete your own text from the attached returned message.\n"
    "\n"
    "                   The mail system\n"
    "\n"
    "<nobody@enterprise.example.com>: host mx.enterprise.example.com[203.0.113.25] said:\n"
    "    550 5.1.1 <nobody@enterprise.example.com>: Recipient address rejected: User\n"
    "    unknown in virtual mailbox table (in reply to RCPT TO command)\n"
    "\n"
    "--4XkQ2v1yFzz9sWn.1728608407/mail.deadlined.example.org\n"
    "Content-Description: Delivery report\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mail.deadlined.example.org\n"
    "X-Postfix-Queue-ID: 4XkQ2v1yFzz9sWn\n"
    "X-Postfix-Sender: rfc822; bounces+" + kDsnId + "@deadlined.example.org\n"
    "Arrival-Date: Fri, 11 Oct 2024 09:00:05 +0800 (CST)\n"
    "\n"
    "Final-Recipient: rfc822; nobody@enterprise.example.com\n"
    "Original-Recipient: rfc822;nobody@enterprise.example.com\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "Remote-MTA: dns; mx.enterprise.example.com\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <nobody@enterprise.example.com>: Recipient\n"
    "    address rejected: User unknown in virtual mailbox table\n"
    "\n"
    "--4XkQ2v1yFzz9sWn.1728608407/mail.deadlined.example.org\n"
    "Content-Description: Undelivered Message Headers\n"
    "Content-Type: text/rfc822-headers\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "Return-Path: <bounces+" + kDsnId + "@deadlined.example.org>\n"
    "From: =?UTF-8?B?5rGf6IuP55yB5oOg5LyB5pS/562W55Sz5oql5o+Q6YaS?=\n"
    " <remind@deadlined.example.org>\n"
    "To: nobody@enterprise.example.com\n"
    "Subject: =?UTF-8?B?44CQ55Sz5oql5o+Q6YaS44CRMiDkuKrpobnnm67ljbPlsIbmiKrmraI=?=\n"
    "Message-ID: <" + kDsnId + "@deadlined.example.org>\n"
    "\n"
    "--4XkQ2v1yFzz9sWn.1728608407/mail.deadlined.example.org--\n";

std::string crlf(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

TEST_CASE("dsn: a Postfix bounce gives our message id and the status") {
  for (const std::string& bounce : {kPostfixBounce, crlf(kPostfixBounce)}) {
    Result<Dsn> dsn = parse_dsn(bounce);
    REQUIRE(dsn);
    CHECK(dsn->message_id == kDsnId);
    CHECK(dsn->message_id_from == "Delivered-To");
    CHECK(dsn->action == DsnAction::failed);
    CHECK(to_string(dsn->action) == "failed");
    CHECK(dsn->status == "5.1.1");
    CHECK(dsn->recipient == "nobody@enterprise.example.com");
    CHECK(dsn->diagnostic ==
          "550 5.1.1 <nobody@enterprise.example.com>: Recipient address rejected: User unknown in virtual mailbox table");
    CHECK(dsn->reporting_mta == "mail.deadlined.example.org");
    REQUIRE(dsn->recipients.size() == 1);
    CHECK(dsn->recipients[0].original_recipient == "nobody@enterprise.example.com");
    CHECK(dsn->recipients[0].remote_mta == "mx.enterprise.example.com");
    CHECK(dsn->recipients[0].diagnostic_code.starts_with("smtp; 550 5.1.1"));
  }
}

TEST_CASE("dsn: where the message id comes from") {
  // The envelope recipient the caller saw wins.
  Result<Dsn> envelope = parse_dsn(kPostfixBounce, "<bounces+envelope-id@deadlined.example.org>");
  REQUIRE(envelope);
  CHECK(envelope->message_id == "envelope-id");
  CHECK(envelope->message_id_from == "envelope");
  // Without the top VERP headers: X-Postfix-Sender.
  std::string stripped = replace_all(kPostfixBounce, "X-Original-To: bounces+", "X-Original-To: postmaster");
  stripped = replace_all(stripped, "Delivered-To: bounces+", "Delivered-To: postmaster");
  stripped = replace_all(stripped, "To: bounces+", "To: postmaster");
  Result<Dsn> from_report = parse_dsn(stripped);
  REQUIRE(from_report);
  CHECK(from_report->message_id == kDsnId);
  CHECK(from_report->message_id_from == "X-Postfix-Sender");
  // Nothing VERP anywhere: the returned message's Message-ID.
  const std::string no_verp = replace_all(stripped, "+" + std::string(kDsnId), "");
  Result<Dsn> from_returned = parse_dsn(no_verp);
  REQUIRE(from_returned);
  CHECK(from_returned->message_id == kDsnId);
  CHECK(from_returned->message_id_from == "Message-ID");
  // Not even that.
  const std::string anonymous = replace_all(no_verp, "Message-ID: <" + std::string(kDsnId), "Message-ID: <other.id");
  Result<Dsn> nothing = parse_dsn(anonymous);
  REQUIRE_FALSE(nothing);
  CHECK(nothing.error().find("names none of our messages") != std::string::npos);
}

TEST_CASE("dsn: a delay notice and inferred status codes") {
  std::string delayed = replace_all(kPostfixBounce, "Action: failed", "Action: delayed");
  delayed = replace_all(delayed, "Status: 5.1.1", "Status: 4.4.1");
  Result<Dsn> dsn = parse_dsn(delayed);
  REQUIRE(dsn);
  CHECK(dsn->action == DsnAction::delayed);
  CHECK(dsn->status == "4.4.1");

  // No Status field: the enhanced code in the diagnostic.
  Result<Dsn> from_diagnostic = parse_dsn(replace_all(kPostfixBounce, "Status: 5.1.1\n", ""));
  REQUIRE(from_diagnostic);
  CHECK(from_diagnostic->status == "5.1.1");
  // Neither: the action's class.
  std::string bare = replace_all(kPostfixBounce, "Status: 5.1.1\n", "Status: none\n");
  bare = replace_all(bare, "550 5.1.1 <nobody", "550 <nobody");
  Result<Dsn> from_action = parse_dsn(bare);
  REQUIRE(from_action);
  CHECK(from_action->status == "5.0.0");
  // Gmail's "550-5.7.26" multi-line replies.
  std::string gmail = replace_all(kPostfixBounce, "Status: 5.1.1\n", "");
  gmail = replace_all(gmail, "550 5.1.1 <nobody", "550-5.7.26 Unauthenticated email <nobody");
  Result<Dsn> from_gmail = parse_dsn(gmail);
  REQUIRE(from_gmail);
  CHECK(from_gmail->status == "5.7.26");
}

TEST_CASE("dsn: several recipients and a base64 report part") {
  const std::string report =
      "Reporting-MTA: dns; mta.example.net\r\n\r\n"
      "Final-Recipient: rfc822; ok@example.net\r\nAction: delivered\r\nStatus: 2.0.0\r\n\r\n"
      "Final-Recipient: rfc822;<gone@example.net>\r\nAction: failed\r\nStatus: 5.2.1 (mailbox disabled)\r\n"
      "Diagnostic-Code: smtp; 550 5.2.1 mailbox disabled\r\n";
  const std::string bounce =
      "To: <bounces+abc_123@deadlined.example.org>\r\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=simple\r\n\r\n"
      "--simple\r\nContent-Type: text/plain\r\n\r\nsorry\r\n"
      "--simple\r\nContent-Type: message/delivery-status\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
      base64_encode(report) + "\r\n--simple--\r\n";
  Result<Dsn> dsn = parse_dsn(bounce);
  REQUIRE(dsn);
  CHECK(dsn->message_id == "abc_123");
  CHECK(dsn->message_id_from == "To");
  REQUIRE(dsn->recipients.size() == 2);
  CHECK(dsn->recipients[0].action == DsnAction::delivered);
  CHECK(dsn->action == DsnAction::failed);  // the failed recipient decides
  CHECK(dsn->recipient == "gone@example.net");
  CHECK(dsn->status == "5.2.1");
  CHECK(dsn->reporting_mta == "mta.example.net");
}

TEST_CASE("dsn: what is not a delivery status notification is refused") {
  Result<Dsn> plain = parse_dsn("From: a@example.org\r\nTo: bounces+x@example.org\r\nSubject: hi\r\n\r\nhello\r\n");
  REQUIRE_FALSE(plain);
  CHECK(plain.error().find("no message/delivery-status part") != std::string::npos);
  Result<Dsn> empty_report = parse_dsn(
      "To: bounces+x@example.org\nContent-Type: multipart/report; boundary=b\n\n--b\n"
      "Content-Type: message/delivery-status\n\nReporting-MTA: dns; x.example.org\n\n--b--\n");
  REQUIRE_FALSE(empty_report);
  CHECK(empty_report.error().find("no per-recipient") != std::string::npos);
  CHECK_FALSE(parse_dsn(""));
  CHECK_FALSE(parse_dsn(std::string(kMaxDsnBytes + 1, 'x')));
}

TEST_CASE("verp: the envelope sender round trips and refuses bad parts") {
  Result<std::string> sender = make_verp_sender("bounces", kDsnId, "deadlined.example.org");
  REQUIRE(sender);
  CHECK(*sender == "bounces+" + std::string(kDsnId) + "@deadlined.example.org");
  CHECK(*message_id_from_verp(*sender) == kDsnId);
  CHECK(*message_id_from_verp("<" + *sender + ">") == kDsnId);
  CHECK(*message_id_from_verp("rfc822; " + *sender) == kDsnId);
  CHECK(*message_id_from_verp("Bounce Handler <" + *sender + ">") == kDsnId);
  CHECK(*message_id_from_verp("  " + *sender + "  ") == kDsnId);

  CHECK_FALSE(make_verp_sender("bou+nces", kDsnId, "deadlined.example.org"));
  CHECK_FALSE(make_verp_sender("", kDsnId, "deadlined.example.org"));
  CHECK_FALSE(make_verp_sender("bounces", "id@x", "deadlined.example.org"));
  CHECK_FALSE(make_verp_sender("bounces", "id\r\nRCPT TO:<x@y.org>", "deadlined.example.org"));
  CHECK_FALSE(make_verp_sender("bounces", "", "deadlined.example.org"));
  CHECK_FALSE(make_verp_sender("bounces", std::string(60, 'a'), "deadlined.example.org"));  // local part > 64
  CHECK_FALSE(make_verp_sender("bounces", kDsnId, "localhost"));
  CHECK_FALSE(make_verp_sender("bounces", kDsnId, "example.org>"));

  CHECK_FALSE(message_id_from_verp("bounces@deadlined.example.org"));
  CHECK_FALSE(message_id_from_verp("bounces+@deadlined.example.org"));
  CHECK_FALSE(message_id_from_verp("bounces+a.b@deadlined.example.org"));
  CHECK_FALSE(message_id_from_verp("bounces+id"));
  CHECK_FALSE(message_id_from_verp(""));
}
