#pragma once
// A calendar revision as data: every effective window (after edition merge, projection and the
// chain rule) with what people are told about it and the facts filters match. The store keeps
// each revision the daemon applies; the diff between two says, per window, what changed
// (docs/calendar-format.md, "Revisions and diffs").

#include <optional>
#include <string>
#include <vector>

#include "domain/state_names.h"
#include "domain/window_facts.h"
#include "domain/window_status.h"
#include "time/instant.h"

namespace deadline {

struct RevisionWindow {
  std::string id;                         // programme/key/cycle
  std::string title;                      // the programme's
  WindowStatus status = WindowStatus::estimated;
  std::string opens;                      // the bound as written ("2024-11-01"); "" when not known
  std::string closes;                     // as written ("2024-11", "2024-10-18T24:00", "before 2024-11-29")
  std::string precision;                  // the close's: year | month | day | instant
  Instant closes_at;                      // the effective close (after the chain rule)
  // The earliest instant the written close may stand for: the start of its month for "2024-11",
  // closes_at itself for a dated close. A confirmation closing in (closes_from, closes_at] keeps the
  // estimate's promise; one outside it moved the deadline.
  Instant closes_from;
  std::string phrase;
  bool projected = false;                 // an estimate copied ahead from an earlier cycle
  std::string cap;                        // the chain rule's reason, "" when not capped
  WindowFacts facts;                      // programme, group, category, authority, role, keywords
  NoticeSource source;

  bool operator==(const RevisionWindow&) const = default;
};

// What changed about one window. Kinds are listed in this order; a window may carry several.
enum class ChangeKind { cancelled, moved, confirmed, added, removed, estimate_dropped, opens_changed, phrase_changed };
inline constexpr StateNames<ChangeKind, 8> kChangeKinds{{{
    {ChangeKind::cancelled, "cancelled"},
    {ChangeKind::moved, "moved"},
    {ChangeKind::confirmed, "confirmed"},
    {ChangeKind::added, "added"},
    {ChangeKind::removed, "removed"},
    {ChangeKind::estimate_dropped, "estimate-dropped"},
    {ChangeKind::opens_changed, "opens-changed"},
    {ChangeKind::phrase_changed, "phrase-changed"},
}}};
inline std::string_view to_string(ChangeKind kind) { return kChangeKinds.name(kind); }
inline std::optional<ChangeKind> parse_change_kind(std::string_view text) { return kChangeKinds.parse(text); }

struct WindowChange {
  std::string window_id;
  std::vector<ChangeKind> kinds;          // never empty
  std::optional<RevisionWindow> before;   // nullopt when added
  std::optional<RevisionWindow> after;    // nullopt when removed or dropped
  bool moved_later = false;               // with ChangeKind::moved

  bool has(ChangeKind kind) const;
  // The programme's title and id, from whichever side exists.
  const RevisionWindow& either() const { return after ? *after : *before; }
};

// Window by window (by id), what turns `before` into `after`; windows equal in everything a
// change kind looks at are left out. Both lists in any order; the result is ordered by id.
std::vector<WindowChange> diff_revisions(const std::vector<RevisionWindow>& before,
                                         const std::vector<RevisionWindow>& after);

// Why the daemon applied a revision: it started, a SIGHUP, or the admin API (deadlinectl reload).
enum class RevisionCause { start, sighup, admin };
inline constexpr StateNames<RevisionCause, 3> kRevisionCauses{{{
    {RevisionCause::start, "start"},
    {RevisionCause::sighup, "sighup"},
    {RevisionCause::admin, "admin"},
}}};
inline std::string_view to_string(RevisionCause cause) { return kRevisionCauses.name(cause); }

// One line for people who run the calendar (deadlinectl diff, the log, the reload answer):
//   "p/apply/2024 【title】 moved later: closes 2024-11 → 2024-12-20T17:00; phrase-changed: 「…」 → 「…」
//    (source: title, issuer, 2024-11-05, url)"
std::string describe(const WindowChange& change);

}  // namespace deadline
