#include "deadlinectl/bounce_command.h"

#include <istream>
#include <iterator>
#include <ostream>

#include "mail/dsn.h"
#include "store/open_store.h"
#include "time/clock.h"

namespace deadline::ctl {

int record_bounce(const StoreSource& source, std::istream& dsn, const std::string& envelope_recipient,
                  std::ostream& out, std::ostream& err) {
  std::string text;
  char buffer[64 * 1024];
  while (dsn.read(buffer, sizeof buffer) || dsn.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(dsn.gcount()));
    if (text.size() > mail::kMaxDsnBytes) {
      err << "deadlinectl bounce: the message on standard input is over " << mail::kMaxDsnBytes << " bytes\n";
      return kExitDataError;
    }
  }
  const Result<mail::Dsn> parsed = mail::parse_dsn(text, envelope_recipient);
  if (!parsed) {
    err << "deadlinectl bounce: not a delivery status notification for one of our messages: " << parsed.error() << '\n';
    return kExitDataError;
  }
  const mail::Dsn& d = *parsed;
  const bool permanent = d.action == mail::DsnAction::failed && !d.status.empty() && d.status.front() == '5';
  const bool temporary = d.action == mail::DsnAction::delayed || (d.action == mail::DsnAction::failed && !permanent);
  if (!permanent && !temporary) {
    out << "message " << d.message_id << ": " << mail::to_string(d.action) << " (" << d.status
        << "), nothing to record\n";
    return 0;
  }
  auto store = store::open_store(source.database.string(), store::settings_named("deadlinectl bounce"));
  if (!store) {
    err << "deadlinectl bounce: " << store.error() << '\n';
    return kExitTempFail;
  }
  store::Bounce bounce;
  bounce.message_id = d.message_id;
  bounce.permanent = permanent;
  bounce.description = d.status + (d.diagnostic.empty() ? "" : " " + d.diagnostic);
  const auto recorded = (*store)->record_bounce(bounce, SystemClock().now(), EndpointHealthPolicy{});
  if (!recorded) {
    const bool unknown = recorded.error().find("no message") != std::string::npos;
    err << "deadlinectl bounce: " << recorded.error() << '\n';
    return unknown ? kExitDataError : kExitTempFail;
  }
  out << "message " << d.message_id << ": " << (permanent ? "bounced" : "delayed") << " (" << bounce.description
      << "), endpoint " << recorded->endpoint_id
      << (recorded->endpoint_needs_attention ? " now needs attention (repeated hard failures)" : "") << '\n';
  return 0;
}

}  // namespace deadline::ctl
