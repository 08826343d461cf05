#include "deadlinectl/feed_command.h"

#include <memory>
#include <ostream>

#include "ical/feed_book.h"
#include "store/open_store.h"
#include "subscription/email_address.h"
#include "time/clock.h"
#include "time/zone.h"

namespace deadline::ctl {

int export_ics_command(const CalendarSource& source, const IcsExportOptions& options, std::ostream& out,
                       std::ostream& err) {
  if (const std::string problem = email_address_problem(options.from_address); !problem.empty()) {
    err << "deadlinectl: --from-address: " << problem << '\n';
    return 2;
  }
  std::optional<Calendar> loaded = load_or_report(source, err);
  if (!loaded) return 1;
  const auto calendar = std::make_shared<const Calendar>(std::move(*loaded));
  const auto selection = ical::public_selection(options.filters, *calendar);
  if (!selection) {
    err << "deadlinectl: " << selection.error() << '\n';
    return 2;
  }
  auto store = store::open_store(options.database.string(), store::settings_named("deadlinectl"));
  if (!store) {
    err << "deadlinectl: " << store.error() << '\n';
    return 1;
  }
  const Instant now = SystemClock().now();
  ical::FeedBook book(calendar, ical::uid_host_of(options.public_url), shanghai_zone(),
                      ical::Organizer{options.from_address, options.from_name}, now);
  // The same versioning the daemon does at each load: idempotent, so both agree on SEQUENCE.
  const auto synced = (*store)->sync_feed_events(book.digests(), now);
  if (!synced) {
    err << "deadlinectl: " << synced.error() << '\n';
    return 1;
  }
  book.set_versions(synced->versions);
  book.add_withdrawn(synced->gone);
  out << book.render(*selection).body;
  return out.good() ? 0 : 1;
}

}  // namespace deadline::ctl
