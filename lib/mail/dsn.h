#pragma once
// Bounces: the VERP envelope sender that ties a bounce to our message, and the parser for
// delivery status notifications (RFC 3464 multipart/report; report-type=delivery-status).
//
// VERP: every message is sent with the envelope sender (MAIL FROM) "LOCAL+MESSAGEID@DOMAIN", e.g.
// "bounces+3f2a9c...@mail.example.org". The MTA that cannot deliver sends its DSN to that address,
// so the address the bounce arrives at names the message: make_verp_sender makes it,
// message_id_from_verp reads it back. The MTA receiving for DOMAIN must deliver "LOCAL+anything"
// to LOCAL (Postfix: recipient_delimiter = +).
//
// parse_dsn is meant to be tolerant of real DSNs (Postfix's format first; also Exim, Sendmail,
// Exchange-style reports that follow RFC 3464): LF or CRLF line ends, folded fields, any case of
// field names, quoted or unquoted boundaries, nested multiparts, base64 or quoted-printable parts,
// message/global-delivery-status (RFC 6533).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace deadline::mail {

// "LOCAL+MESSAGEID@DOMAIN". LOCAL: 1 or more atext characters or inner dots, without '+'
// ("bounces"); MESSAGEID: check_message_id (header_encoding.h); the whole an address that
// email_address_problem accepts (so LOCAL+MESSAGEID is at most 64 characters). The error says
// which part is wrong.
Result<std::string> make_verp_sender(std::string_view local, std::string_view message_id, std::string_view domain);

// The message id in a VERP address: the text between the first '+' and the '@' of
// "LOCAL+MESSAGEID@DOMAIN". Tolerates what bounces wrap addresses in: surrounding spaces, angle
// brackets, an "rfc822;" type prefix, a display name before "<...>". Fails when there is no
// "+...@", or the id fails check_message_id.
Result<std::string> message_id_from_verp(std::string_view address);

enum class DsnAction { failed, delayed, delivered, relayed, expanded, unknown };
std::string_view to_string(DsnAction action);  // "failed", ... "unknown"

// One per-recipient block of the message/delivery-status part.
struct DsnRecipient {
  std::string final_recipient;     // address only: "nobody@example.com" (type prefix removed)
  std::string original_recipient;  // "" when absent
  DsnAction action = DsnAction::unknown;
  std::string status;              // "5.1.1"; see parse_dsn for when it is inferred
  std::string diagnostic_code;     // as given, unfolded: "smtp; 550 5.1.1 <nobody@...>: ..."
  std::string remote_mta;          // "mx.example.com" (type prefix removed); "" when absent
};

struct Dsn {
  std::string message_id;          // ours, from a VERP address
  std::string message_id_from;     // where it was found (see parse_dsn), for logs
  // The recipient that decides the outcome: the first failed one, else the first delayed one,
  // else the first one. Copied here for convenience.
  DsnAction action = DsnAction::unknown;
  std::string status;
  std::string diagnostic;          // diagnostic_code without its "smtp;" type prefix
  std::string recipient;           // its final_recipient
  std::vector<DsnRecipient> recipients;  // every block, in order
  std::string reporting_mta;       // "mail.example.org"; "" when absent
};

inline constexpr std::size_t kMaxDsnBytes = 16 * 1024 * 1024;

// Reads a bounce message (headers and body, as received). The message id is looked for, in this
// order, as a VERP address in: `envelope_recipient` (the RCPT TO the bounce was delivered to, when
// the caller knows it), the bounce's Delivered-To, X-Original-To, Envelope-To, X-Envelope-To, To
// headers, the report's X-Postfix-Sender field, the Return-Path of the returned message's
// headers; and last the returned message's Message-ID "<MESSAGEID@...>" (message_id_from says
// which: "envelope", "Delivered-To", ..., "Message-ID"). A missing Status is inferred from an
// enhanced code in Diagnostic-Code ("550 5.1.1 ...") or else from the action (failed 5.0.0,
// delayed 4.0.0). Fails, saying why, when the message is over kMaxDsnBytes, has no
// delivery-status part, no per-recipient block, or no message id anywhere.
Result<Dsn> parse_dsn(std::string_view message, std::string_view envelope_recipient = {});

}  // namespace deadline::mail
