#pragma once
// The two kinds of time the code handles, kept apart by type (date/tz's own distinction):
// an Instant is a point on the UTC time line; a LocalTime is a wall-clock reading that means
// nothing until a time zone turns it into an Instant.

#include <date/date.h>
#include <date/tz.h>

namespace deadline {

using Instant = date::sys_seconds;
using LocalTime = date::local_seconds;

}  // namespace deadline
