#include "deadlinectl/diff_command.h"

#include <ostream>

#include "domain/revision_json.h"
#include "schedule/revision_windows.h"

namespace deadline::ctl {

int diff_command(const CalendarSource& before, const CalendarSource& after, bool json, std::ostream& out,
                 std::ostream& err) {
  const std::optional<Calendar> old_calendar = load_or_report(before, err);
  const std::optional<Calendar> new_calendar = load_or_report(after, err);
  if (!old_calendar || !new_calendar) return 2;  // diff(1): trouble is 2, "they differ" is 1
  const std::vector<WindowChange> changes =
      diff_revisions(revision_windows(*old_calendar), revision_windows(*new_calendar));
  if (json) {
    out << diff_json(changes).dump(2) << '\n';
  } else {
    for (const WindowChange& change : changes) out << describe(change) << '\n';
  }
  return changes.empty() ? 0 : 1;
}

}  // namespace deadline::ctl
