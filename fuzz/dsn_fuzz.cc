// The bounce parser (lib/mail/dsn.h parse_dsn) on arbitrary messages, alone and with a known
// envelope recipient (the VERP address the MTA delivered the bounce to); also
// message_id_from_verp on the input.
//
// Invariants: nothing throws; a parsed DSN names a message id that check_message_id accepts, has
// at least one recipient, its decisive recipient is one of them (the first failed, else the
// first delayed, else the first), every status is empty or an enhanced code "D.DDD.DDD", and
// no field holds a CR or LF (everything is unfolded); with a VERP envelope recipient a DSN
// parses whenever it parses without one, and then names the envelope's id, "envelope".

#include <algorithm>

#include "fuzz_support.h"
#include "mail/dsn.h"
#include "mail/header_encoding.h"

using namespace deadline;
using namespace deadline::mail;

namespace {

constexpr std::string_view kEnvelopeId = "0123456789abcdef0123456789abcdef";
constexpr std::string_view kEnvelope = "bounces+0123456789abcdef0123456789abcdef@deadlined.example.org";

bool one_line(std::string_view text) { return text.find_first_of("\r\n") == std::string_view::npos; }

bool status_code(std::string_view status) {
  if (status.empty()) return true;
  if (status.size() < 5 || (status[0] != '2' && status[0] != '4' && status[0] != '5') || status[1] != '.') return false;
  const std::size_t dot = status.find('.', 2);
  if (dot == std::string_view::npos) return false;
  const auto digits = [](std::string_view t) {
    return !t.empty() && t.size() <= 3 && std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return digits(status.substr(2, dot - 2)) && digits(status.substr(dot + 1));
}

void check_dsn(const Dsn& dsn) {
  FUZZ_CHECK(static_cast<bool>(check_message_id(dsn.message_id)));
  FUZZ_CHECK(!dsn.message_id_from.empty());
  FUZZ_CHECK(!dsn.recipients.empty());
  const DsnRecipient* decisive = nullptr;
  for (const DsnAction wanted : {DsnAction::failed, DsnAction::delayed}) {
    for (const DsnRecipient& r : dsn.recipients) {
      if (!decisive && r.action == wanted) decisive = &r;
    }
  }
  if (!decisive) decisive = &dsn.recipients.front();
  FUZZ_CHECK(dsn.action == decisive->action);
  FUZZ_CHECK(dsn.status == decisive->status);
  FUZZ_CHECK(dsn.recipient == decisive->final_recipient);
  FUZZ_CHECK(one_line(dsn.diagnostic) && one_line(dsn.reporting_mta) && one_line(dsn.recipient));
  for (const DsnRecipient& r : dsn.recipients) {
    FUZZ_CHECK(status_code(r.status));
    FUZZ_CHECK(one_line(r.final_recipient) && one_line(r.original_recipient) && one_line(r.diagnostic_code) &&
               one_line(r.remote_mta) && one_line(r.status));
    FUZZ_CHECK(!to_string(r.action).empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view message = fuzz::as_text(data, size);
  fuzz::no_throw([&] {
    const Result<Dsn> alone = parse_dsn(message);
    if (alone) check_dsn(*alone);

    const Result<Dsn> enveloped = parse_dsn(message, kEnvelope);
    if (alone) FUZZ_CHECK(static_cast<bool>(enveloped));
    if (enveloped) {
      check_dsn(*enveloped);
      FUZZ_CHECK(enveloped->message_id == kEnvelopeId && enveloped->message_id_from == "envelope");
    }

    if (const Result<std::string> id = message_id_from_verp(message)) FUZZ_CHECK(static_cast<bool>(check_message_id(*id)));
  });
  return 0;
}
