#pragma once
// One scheduler pass: everything that became due since the last pass, handled against the
// store. No timers and no threads here, so tests drive it with a ManualClock and a real SQLite
// file, and the daemon runs it on its store thread.
//
// The store's cursor marks how far triggers are handled. A pass at `now` takes the triggers due
// in (cursor, now]:
//   - window already closed          → recorded as missed (downtime or a clock jump), no message;
//   - due more than `late_after` ago → fired late, in one batch: one reminder per window and
//                                      endpoint, the latest lead;
//   - otherwise                      → fired on time, one fan-out per due instant (a digest).
// Each fan-out is recorded as a firing (store/scheduling_store.h start_firing) whose messages the
// caller then adds chunk by chunk (continue_firing; finish_firings at once). The scheduler runs a
// pass only when no firing is unfinished, so firings complete in the order they were recorded.
// Then the cursor moves to now (never back: a clock set back fires nothing twice, and the
// store's trigger keys refuse a repeat anyway) and unsent messages of closed windows expire.
// On a database with no cursor yet (its first daemon's first pass) the cursor starts at
// `PassOptions::start_cursor`, the daemon's start, or else at now: nothing earlier fires, and a
// point due while the daemon was starting (opening its database, joining the nodes) still does.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "schedule/plan.h"
#include "store/scheduling_store.h"

namespace deadline {

struct PassOptions {
  std::chrono::seconds late_after{300};
  std::optional<Instant> start_cursor;  // where a database's first cursor starts (never after now)
};

struct PassReport {
  int fired_on_time = 0;
  int fired_late = 0;
  int missed = 0;
  int firings = 0;                              // recorded by this pass, their chunks still to run
  int recorded_elsewhere = 0;                   // due triggers another node had recorded already
  std::int64_t expired = 0;
  std::vector<std::chrono::seconds> lateness;   // per on-time trigger: now − due
  std::optional<Instant> next_due;              // the next trigger after this pass, if any
  std::vector<std::string> errors;              // store failures; the pass stops at the first
};

PassReport run_pass(store::SchedulingStore& store, const Plan& plan, Instant now, const PassOptions& options = {});

}  // namespace deadline
