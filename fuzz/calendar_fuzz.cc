// The calendar loader (lib/calendar/loader.h) on arbitrary TOML. The loader reads paths only, so
// the input is written to scratch files: one file, or two when the input holds a line "#--"
// (so edition merging across files is reached: a later edition updating a programme).
//
// Invariants: nothing throws; a calendar comes back exactly when there are no errors; every
// error is "FILE:LINE: message" naming one of the files; a loaded calendar's windows have unique
// identities and belong to its programmes; and what the daemon does next with a calendar (the
// JSON export, the upcoming query, each window as an iCalendar event) neither throws nor writes a
// line over 75 octets or a bare CR/LF.

#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "calendar/json_export.h"
#include "calendar/loader.h"
#include "calendar/upcoming.h"
#include "fuzz_support.h"
#include "ical/feed_writer.h"
#include "ical/window_event.h"
#include "time/zone.h"

using namespace deadline;

namespace {

constexpr std::string_view kFileSeparator = "\n#--\n";

// "FILE:LINE: ..." with FILE one of `files`.
bool placed(const std::string& error, const std::vector<std::filesystem::path>& files) {
  for (const std::filesystem::path& file : files) {
    const std::string prefix = file.string() + ":";
    if (!error.starts_with(prefix)) continue;
    std::size_t i = prefix.size();
    const std::size_t digits_start = i;
    while (i < error.size() && std::isdigit(static_cast<unsigned char>(error[i]))) ++i;
    if (i > digits_start && error.compare(i, 2, ": ") == 0) return true;
  }
  return false;
}

void check_lines(const std::string& text) {
  FUZZ_CHECK(fuzz::crlf_only(text));
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find("\r\n", start);
    FUZZ_CHECK(end != std::string::npos);
    FUZZ_CHECK(end - start <= 75);
    start = end + 2;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fuzz::ScratchFile first("a.toml");
  static const fuzz::ScratchFile second("b.toml");
  const std::string_view input = fuzz::as_text(data, size);

  std::vector<std::filesystem::path> files;
  if (const std::size_t cut = input.find(kFileSeparator); cut != std::string_view::npos) {
    files = {first.write(input.substr(0, cut + 1)), second.write(input.substr(cut + kFileSeparator.size()))};
  } else {
    files = {first.write(input)};
  }

  fuzz::no_throw([&] {
    const LoadOutcome outcome = load_calendar_files(files);
    FUZZ_CHECK(outcome.calendar.has_value() == outcome.errors.empty());
    for (const std::string& error : outcome.errors) {
      if (!placed(error, files)) {
        std::fprintf(stderr, "error without FILE:LINE: %s\n", error.c_str());
        FUZZ_CHECK(placed(error, files));
      }
    }
    if (!outcome.calendar) return;

    const Calendar& calendar = *outcome.calendar;
    std::set<std::string> ids;
    for (const Window& window : calendar.windows()) {
      FUZZ_CHECK(ids.insert(window.id()).second);
      FUZZ_CHECK(calendar.find_programme(window.programme_id) != nullptr);
      FUZZ_CHECK(calendar.find_window(window.id()) == &window);
    }
    (void)calendar_json(calendar).dump();

    const Instant at = date::sys_days{date::year{2024} / 11 / 27} + std::chrono::hours{1};
    const std::vector<const Window*> upcoming = upcoming_windows(calendar, {at, date::days{400}});
    (void)upcoming_json(calendar, at, 400, upcoming).dump();

    std::vector<ical::IcalEvent> events;
    for (const Window& window : calendar.windows()) {
      const date::time_zone& zone = window.zone ? *window.zone : shanghai_zone();
      events.push_back(ical::window_event(*calendar.find_programme(window.programme_id), window, "example.org", zone));
    }
    ical::FeedOptions options;
    options.name = "fuzz";
    options.zone = &shanghai_zone();
    check_lines(ical::write_calendar(options, events));
  });
  return 0;
}
