#pragma once
// What the calendar's keepers ask of the store: the daemon records each calendar revision it
// applies (at start and on every accepted reload); the admin API, deadlinectl history and the
// programme pages read what changed (docs/calendar-format.md, "Revisions and diffs").
//
// Every call is one transaction. A revision is compared with the last one STORED, never with
// what a process holds in memory: a restart with the same files records nothing, a restart with
// edited files records the difference as a reload would have.

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "domain/revision.h"
#include "store/records.h"

namespace deadline::store {

// One stored revision and what changed in it.
struct RevisionRecord {
  std::int64_t id = 0;
  std::string calendar_revision;          // the files' hash (Calendar::revision)
  Instant recorded_at;
  RevisionCause cause = RevisionCause::start;
  std::string reason;                     // the operator's, from reload --reason; may be empty
  bool baseline = false;                  // the first ever stored: compared with nothing
  std::vector<WindowChange> changes;      // by window id; empty for a baseline
};

struct RevisionOutcome {
  bool recorded = false;                  // false: equal to the last revision, nothing stored
  RevisionRecord revision;                // the new one, or the last one when nothing was stored
};

class RevisionStore {
 public:
  virtual ~RevisionStore() = default;

  // Compares `windows` (the effective calendar, revision_windows()) with the last stored
  // revision's, in one transaction. Equal in every field → nothing is stored (recorded = false).
  // Nothing stored before → a baseline, compared with nothing. Otherwise a new revision with
  // the changes diff_revisions finds (possibly none people are told of: a fact or a source).
  virtual Result<RevisionOutcome> record_revision(const std::vector<RevisionWindow>& windows,
                                                  const std::string& calendar_revision, RevisionCause cause,
                                                  const std::string& reason, Instant now) = 0;

  // Revisions, newest first, at most `limit`. With a programme id, only the revisions that
  // changed one of its windows, each with only those changes; baselines are left out then.
  virtual Result<std::vector<RevisionRecord>> revision_history(const std::string& programme, int limit) = 0;
};

}  // namespace deadline::store
