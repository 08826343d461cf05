#include <iostream>

#include "deadlinectl/cli.h"
#include "deadlinectl/diff_command.h"
#include "deadlinectl/feed_command.h"

namespace deadline::ctl {

void add_calendar_commands(CLI::App& app, Globals& globals, Action& action) {
  auto* check = app.add_subcommand("check", "Validate calendars; exit 1 listing every error");
  auto check_path = std::make_shared<std::string>();
  check->add_option("path", *check_path, "Directory or file to check (default: --calendars)");
  check->callback([&globals, &action, check_path] {
    action = [&globals, check_path] {
      CalendarSource source = globals.calendars;
      if (!check_path->empty()) source.path = *check_path;
      return check_command(source, std::cout, std::cerr);
    };
  });

  auto diff_paths = std::make_shared<std::pair<std::string, std::string>>();
  auto diff_json = std::make_shared<bool>(false);
  auto* diff = app.add_subcommand(
      "diff", "What changed between two calendars, window by window; exit 0 identical, 1 different, 2 trouble");
  diff->add_option("old", diff_paths->first, "The calendar before: a directory or file")->required();
  diff->add_option("new", diff_paths->second, "The calendar after: a directory or file")->required();
  diff->add_flag("--json", *diff_json, "JSON instead of text (docs/calendar-format.md, Revisions and diffs)");
  diff->callback([&globals, &action, diff_paths, diff_json] {
    action = [&globals, diff_paths, diff_json] {
      CalendarSource before = globals.calendars, after = globals.calendars;  // the same --horizon
      before.path = diff_paths->first;
      after.path = diff_paths->second;
      return diff_command(before, after, *diff_json, std::cout, std::cerr);
    };
  });

  auto upcoming_options = std::make_shared<UpcomingOptions>();
  auto* upcoming = app.add_subcommand("upcoming", "Windows open now or opening/closing soon");
  upcoming->add_option("--at", upcoming_options->at, "Instant, ISO-8601 with offset (default: now)");
  upcoming->add_option("--days", upcoming_options->days, "Length of the period in days")
      ->check(CLI::Range(0, 3660))
      ->capture_default_str();
  upcoming->add_flag("--json", upcoming_options->json, "JSON instead of text");
  upcoming->callback([&globals, &action, upcoming_options] {
    action = [&globals, upcoming_options] {
      return upcoming_command(globals.calendars, *upcoming_options, std::cout, std::cerr);
    };
  });

  auto show_id = std::make_shared<std::string>();
  auto show_json = std::make_shared<bool>(false);
  auto* show = app.add_subcommand("show", "One programme or policy in full");
  show->add_option("id", *show_id, "Programme or policy id")->required();
  show->add_flag("--json", *show_json, "JSON instead of text");
  show->callback([&globals, &action, show_id, show_json] {
    action = [&globals, show_id, show_json] {
      return show_command(globals.calendars, *show_id, *show_json, std::cout, std::cerr);
    };
  });

  auto format = std::make_shared<std::string>("json");
  auto ics = std::make_shared<IcsExportOptions>();
  auto* export_cmd = app.add_subcommand("export", "Everything, for other programs: JSON, or the iCalendar feed");
  export_cmd->add_option("--format", *format, "json, or ics: the feed /calendar.ics serves, byte for byte")
      ->check(CLI::IsMember({"json", "ics"}))
      ->capture_default_str();
  export_cmd->add_option("--public-url", ics->public_url, "ics: the daemon's [http] public_url (the UIDs' host)")
      ->capture_default_str();
  export_cmd->add_option("--from-address", ics->from_address,
                         "ics: the daemon's [email] from_address (the events' ORGANIZER)")
      ->capture_default_str();
  export_cmd->add_option("--from-name", ics->from_name, "ics: the daemon's [email] from_name (the ORGANIZER's CN)")
      ->capture_default_str();
  export_cmd->add_option("--programme", ics->filters.programmes, "ics: only this programme (repeatable)");
  export_cmd->add_option("--group", ics->filters.groups, "ics: only this department group (repeatable)");
  export_cmd->add_option("--category", ics->filters.categories, "ics: only this category (repeatable)");
  export_cmd->add_option("--authority", ics->filters.authorities, "ics: authority or contact containing (repeatable)");
  export_cmd->callback([&globals, &action, format, ics] {
    action = [&globals, format, ics] {
      if (*format == "ics") {
        ics->database = globals.store.database;
        return export_ics_command(globals.calendars, *ics, std::cout, std::cerr);
      }
      if (!ics->filters.empty()) {
        std::cerr << "deadlinectl: --programme, --group, --category and --authority go with --format ics\n";
        return 2;
      }
      return export_command(globals.calendars, *format, std::cout, std::cerr);
    };
  });
}

}  // namespace deadline::ctl
