#pragma once
// What both backends' firing code shares (SQLite: sqlite_firings.cc, sqlite_change_notices.cc;
// PostgreSQL: lib/pg/pg_firings.cc, pg_change_notices.cc): the decisions a chunk makes between
// its reads and its writes, so the two stores tell the same endpoints the same things. Nothing
// here knows a database library.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "domain/change_notice.h"
#include "domain/endpoint.h"
#include "domain/revision.h"
#include "domain/trigger.h"
#include "store/records.h"
#include "store/revision_store.h"
#include "store/scheduling_store.h"
#include "time/instant.h"

namespace deadline::store {

class Store;

// --- Firings -----------------------------------------------------------------------------------

// The notice rule of a notices firing, or nullptr when the caller gave none for its revision.
const NoticeDecider* notice_rule_for(const NoticeDeciders& deciders, const FiringRecord& firing);
// The failure of a chunk that finds no notice rule for its firing.
std::string missing_notice_rule(const FiringRecord& firing);

// After a chunk of `firing` made `outcome.messages`: whether it was the last, and the firing's
// messages so far.
void conclude_chunk(const FiringRecord& firing, ChunkOutcome& outcome);

// --- Change notices ----------------------------------------------------------------------------

// Nothing is said about a window from this instant on: the new close for a window that is still
// there, the old close for one withdrawn.
Instant open_until(const ToldChange& told);

// The close the ledger records once the notice is sent.
Instant close_told(const ToldChange& told);

// An endpoint that may be told.
struct NoticeCandidate {
  std::int64_t id = 0;
  bool active = false;                    // endpoint active (else its notices are created expired)
  EndpointFilters filters;
  std::vector<std::string> leads;
};

// Gives each candidate its filters and leads (read for the candidates' id range, by endpoint id).
void attach_choices(std::vector<NoticeCandidate>& candidates, std::map<std::int64_t, EndpointFilters> filters,
                    std::map<std::int64_t, std::vector<std::string>> leads);

// A notice-worthy change of a revision with the key of its change event.
struct KeyedChange {
  std::string key;                        // window id | from revision | to revision
  WindowChange change;
};

// A stored revision change (revision_changes.change) of revision `id`, compared with `base_id`:
// keyed, or nullopt when it is nothing people are told of.
std::optional<KeyedChange> keyed_notice_change(const std::string& change_json, std::int64_t base_id,
                                               std::int64_t id);

// The window as an unsent notice (message_changes.change) had it before: nullopt when that
// notice told it as added.
std::optional<RevisionWindow> told_before(const std::string& told_json);

// Endpoint → the window as its unsent notice had it before (see told_before). A newer release
// supersedes those notices, and the endpoint is then told the net change from what it was last
// told, not the step between the two releases.
using UnsentBases = std::map<std::int64_t, std::optional<RevisionWindow>>;

// Endpoint → what it is told, each notice with its change event's key.
using KeyedNotices = std::vector<std::pair<std::string, ToldChange>>;
using ToldByEndpoint = std::map<std::int64_t, KeyedNotices>;

// The close the ledger says an endpoint was last told of the change's window (nullopt: never).
using LedgerClose = std::function<std::optional<Instant>(std::int64_t endpoint_id)>;

// What each of `endpoints` whose filters match is told of `keyed`, added to `told`: the net
// change from its unsent notice's base when it has one, else the change itself, as `decide`
// rules. `ledger` is asked only for the endpoints that match.
void decide_change(const KeyedChange& keyed, const std::vector<NoticeCandidate>& endpoints,
                   const UnsentBases& bases, const LedgerClose& ledger, const NoticeDecider& decide,
                   ToldByEndpoint& told);

// The notices of `all` about windows still open at `now`: a chunk never tells of a window
// nothing is sent about any more (its close has passed).
KeyedNotices still_open(const KeyedNotices& all, Instant now);

// When a message carrying `notices` expires: once the last of their windows is no longer told.
Instant notices_expire(const KeyedNotices& notices, Instant now);

// The reminder a move put in the past, which travels with the notice (nullopt: none). Its
// trigger key is taken for the endpoint, so the scheduler never sends it as well.
std::optional<Trigger> overdue_reminder(const ToldChange& notice, Instant now);

// How many endpoints of `told` would get a message at `now` (at least one notice still open).
std::int64_t endpoints_told(const ToldByEndpoint& told, Instant now);

// RevisionStore::record_change_notices on any store: start_change_notices, then the firing's
// chunks (continue_firing, 1,000 endpoints each, earlier firings first) until it is finished.
Result<NoticeOutcome> record_change_notices_in_chunks(Store& store, std::int64_t id, const NoticeDecider& decide,
                                                      Instant now);

}  // namespace deadline::store
