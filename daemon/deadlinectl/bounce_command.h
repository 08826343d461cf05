#pragma once
// deadlinectl bounce: records a delivery status notification read on standard input, as an MTA
// pipes it (docs/operations.md, "Bounces"). Exit status follows sysexits(3), which MTAs read:
// 0 recorded (or a delay noted), 65 (EX_DATAERR) not a DSN of ours, 75 (EX_TEMPFAIL) the
// database could not be written, so the MTA keeps the bounce and tries again.

#include <iosfwd>
#include <string>

#include "deadlinectl/store_commands.h"

namespace deadline::ctl {

inline constexpr int kExitDataError = 65;
inline constexpr int kExitTempFail = 75;

// `envelope_recipient`: the address the bounce was delivered to (Postfix's ${recipient}), when
// the pipe passes it; the message id is looked for there first.
int record_bounce(const StoreSource& source, std::istream& dsn, const std::string& envelope_recipient,
                  std::ostream& out, std::ostream& err);

}  // namespace deadline::ctl
