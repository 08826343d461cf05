#pragma once
// What a calendar reload came to: the daemon's reload (on SIGHUP, or POST /admin/v1/reload)
// returns it; SIGHUP logs it and the admin API answers with it.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/revision.h"
#include "time/instant.h"

namespace deadline::admin {

struct ReloadOutcome {
  bool ok = false;
  std::string revision;             // the calendar in force afterwards (the old one on failure)
  std::size_t programmes = 0;       // in that calendar
  std::vector<std::string> errors;  // "file:line: message" from the loader, when !ok
  std::string failure;              // when !ok without errors: the store could not record it
  // When ok: the revision the store recorded (store/revision_store.h), or the last one when the
  // effective calendar did not change (recorded = false), and what changed.
  bool recorded = false;
  std::int64_t revision_id = 0;
  std::vector<WindowChange> changes;
  // Staged (issue "Change notices"): the revision waits until `release_at` and the calendar in
  // force is unchanged until then; `replaced` names a staged revision this reload set aside.
  bool staged = false;
  std::optional<Instant> release_at;
  std::optional<std::int64_t> replaced;
};

}  // namespace deadline::admin
