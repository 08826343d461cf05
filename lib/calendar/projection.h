#pragma once
// From the windows written in the files to the windows users see: yearly estimates projected
// ahead, and every estimate that a confirmed window of the same programme, key and cycle
// replaces dropped. Pure: no clock, no I/O.

#include <string>
#include <vector>

#include "calendar/calendar.h"

namespace deadline {

struct ProjectionOptions {
  int horizon_years = 3;   // cycles edition year + 1 … + horizon
};

// `programmes` carry their written windows; `editions` give each programme's edition year.
// Problems (a projected local time the zone cannot resolve) are appended to `errors`.
std::vector<Window> effective_windows(const std::vector<Edition>& editions,
                                      const std::vector<Programme>& programmes,
                                      const ProjectionOptions& options,
                                      std::vector<std::string>& errors);

// True when `window` is the kind projection copies: an estimate whose bounds are all
// year or month precision (the handbook's 申报时间 months).
bool is_projectable(const Window& window);

}  // namespace deadline
