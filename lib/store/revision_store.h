#pragma once
// What the calendar's keepers ask of the store: the daemon records each calendar revision it
// reads (at start and on every accepted reload), stages those people must be told of, releases
// them (then fans out the change notices) or drops them; the admin API, deadlinectl history and
// changes, and the programme pages read what changed (docs/calendar-format.md, "Revisions and
// diffs" and "Change notices").
//
// Every call is one transaction. A revision is compared with the last one RELEASED, never with
// what a process holds in memory: a restart with the same files records nothing, a restart with
// edited files records the difference as a reload would have.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "domain/calendar_file.h"
#include "domain/change_notice.h"
#include "domain/revision.h"
#include "store/records.h"

namespace deadline::store {

// staged: recorded, waiting for its release; released: in force (the latest released is the
// calendar everything follows); dropped: discarded by an operator; replaced: a newer reload came
// while it was staged.
enum class RevisionState { staged, released, dropped, replaced };
inline constexpr StateNames<RevisionState, 4> kRevisionStates{{{
    {RevisionState::staged, "staged"},
    {RevisionState::released, "released"},
    {RevisionState::dropped, "dropped"},
    {RevisionState::replaced, "replaced"},
}}};
inline std::string_view to_string(RevisionState state) { return kRevisionStates.name(state); }

// One stored revision and what changed in it.
struct RevisionRecord {
  std::int64_t id = 0;
  std::string calendar_revision;          // the files' hash (Calendar::revision)
  Instant recorded_at;
  RevisionCause cause = RevisionCause::start;
  std::string reason;                     // the operator's, from reload --reason; may be empty
  bool baseline = false;                  // the first ever stored: compared with nothing
  std::vector<WindowChange> changes;      // from the revision released before; empty for a baseline
  RevisionState state = RevisionState::released;
  std::int64_t base_id = 0;               // the released revision `changes` are counted from; 0: none
  std::optional<Instant> release_at;      // staged: when it will be released
  std::optional<Instant> released_at;     // released: when
  std::string closed_reason;              // dropped: the operator's reason; replaced: by which
};

// A revision to record: the effective windows, the files they come from, and how long to stage a
// revision people must be told of.
struct NewRevision {
  std::vector<RevisionWindow> windows;    // revision_windows(calendar)
  std::string calendar_revision;
  CalendarFiles files;
  RevisionCause cause = RevisionCause::start;
  std::string reason;
  std::chrono::seconds stage_for{0};      // [schedule] change_notice_delay_seconds; 0: release at once
};

struct RevisionOutcome {
  bool recorded = false;                  // false: equal to the released (or the staged) revision
  RevisionRecord revision;                // the new one, or the one it equals
  std::optional<std::int64_t> replaced;   // the staged revision this one replaced (or, equal to the
                                          // released one, withdrew)
};

// The files of a stored revision, to load it again (calendar/loader.h load_calendar_texts).
struct RevisionSources {
  std::int64_t id = 0;
  std::string calendar_revision;
  CalendarFiles files;
};

struct NoticeOutcome {
  bool already_recorded = false;          // this revision's notices were recorded before: nothing now
  std::int64_t events = 0;                // windows with a notice-worthy change
  std::int64_t firing_id = 0;             // the firing that tells them (0: none)
  std::int64_t messages = 0;              // one per endpoint told (expired for endpoints not active)
  std::int64_t superseded = 0;            // unsent notices and reminders a newer release replaced
};

// A released revision whose change notices are still to be recorded.
struct AwaitingNotices {
  std::int64_t id = 0;
  std::int64_t base_id = 0;  // the released revision it was compared with; 0: none (the first)
};

class RevisionStore {
 public:
  virtual ~RevisionStore() = default;

  // Compares the new revision with the last released one. Equal to it → nothing stored (and a
  // staged revision is withdrawn as replaced: the files went back). Equal to the staged one →
  // nothing stored. Nothing stored before → a released baseline. Otherwise a new revision with
  // the changes diff_revisions finds: staged for `stage_for` when any is notice-worthy
  // (domain/change_notice.h), else released at once; a revision staged before is replaced.
  virtual Result<RevisionOutcome> record_revision(const NewRevision& revision, Instant now) = 0;

  // Released revisions, newest first, at most `limit`. With a programme id, only those that
  // changed one of its windows, each with only those changes; baselines are left out then.
  virtual Result<std::vector<RevisionRecord>> revision_history(const std::string& programme, int limit) = 0;

  // The revision waiting for release, if any (at most one).
  virtual Result<std::optional<RevisionRecord>> staged_revision() = 0;
  // Releases the staged revision `id` now; fails naming it when it is not the staged one.
  virtual Result<RevisionRecord> release_revision(std::int64_t id, Instant now) = 0;
  // Discards the staged revision `id`: it is never released and nobody is told.
  virtual Result<RevisionRecord> drop_revision(std::int64_t id, const std::string& reason, Instant now) = 0;

  // The files of revision `id`, or with 0 of the latest released one; nullopt when there is no
  // such revision or it was stored before files were kept (schema 9).
  virtual Result<std::optional<RevisionSources>> revision_sources(std::int64_t id) = 0;

  // Starts the change notices of released revision `id`, once, in one short transaction: claims
  // a change event for each window with a notice-worthy change, marks the revision's notices
  // recorded and records a notices firing (scheduling_store.h) whose chunks, run by
  // continue_firing with this revision's decider, tell the endpoints as below. `events` and
  // `firing_id` are filled; the messages come with the chunks.
  virtual Result<NoticeOutcome> start_change_notices(std::int64_t id, Instant now) = 0;
  // start_change_notices and every chunk of its firing at once (tests and tools). The change
  // notices of released revision `id`, once: every endpoint of an active subscriber
  // whose filters match a window with a notice-worthy change is asked to `decide`, with its
  // ledger entry; those told get one message each (a digest), expired when the endpoint is not
  // active. Unsent notices of the same windows are superseded; unsent reminders of windows
  // cancelled or removed expire. A revision whose notices were recorded records nothing again.
  virtual Result<NoticeOutcome> record_change_notices(std::int64_t id, const NoticeDecider& decide, Instant now) = 0;
  // What record_change_notices would record if revision `id` (staged) were released now: the
  // windows to tell and the endpoints told. Writes nothing.
  virtual Result<NoticeOutcome> preview_change_notices(std::int64_t id, const NoticeDecider& decide, Instant now) = 0;
  // Released revisions whose notices are not recorded yet, oldest first (a crash between a
  // release and its notices; an offline `deadlinectl changes release`), each with the revision
  // it was compared with: the notices judge the change from that one, not from whatever was
  // released last.
  virtual Result<std::vector<AwaitingNotices>> revisions_awaiting_notices() = 0;
};

}  // namespace deadline::store
