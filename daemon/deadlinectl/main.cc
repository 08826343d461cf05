// deadlinectl: the operator's command line. For now the offline calendar commands; the verbs
// that talk to a running daemon come with the admin API.

#include <CLI/CLI.hpp>
#include <iostream>

#include "calendar/loader.h"
#include "deadlinectl/calendar_commands.h"

int main(int argc, char** argv) {
  using namespace deadline;
  CLI::App app{"deadlinectl — inspect and operate deadlined's programme calendar"};
  app.require_subcommand(1);

  ctl::CalendarSource source{default_calendar_dir(), {}};
  std::string calendars;
  app.add_option("--calendars", calendars,
                 "Calendar directory or file (default: installed calendars, else the source tree's)");
  app.add_option("--horizon", source.projection.horizon_years,
                 "Years yearly programmes are projected ahead as estimates")
      ->check(CLI::Range(0, 20))
      ->capture_default_str();

  auto* check = app.add_subcommand("check", "Validate calendars; exit 1 listing every error");
  std::string check_path;
  check->add_option("path", check_path, "Directory or file to check (default: --calendars)");

  ctl::UpcomingOptions upcoming_options;
  auto* upcoming = app.add_subcommand("upcoming", "Windows open now or opening/closing soon");
  upcoming->add_option("--at", upcoming_options.at, "Instant, ISO-8601 with offset (default: now)");
  upcoming->add_option("--days", upcoming_options.days, "Length of the period in days")
      ->check(CLI::Range(0, 3660))
      ->capture_default_str();
  upcoming->add_flag("--json", upcoming_options.json, "JSON instead of text");

  std::string show_id;
  bool show_json = false;
  auto* show = app.add_subcommand("show", "One programme or policy in full");
  show->add_option("id", show_id, "Programme or policy id")->required();
  show->add_flag("--json", show_json, "JSON instead of text");

  std::string format = "json";
  auto* export_cmd = app.add_subcommand("export", "Everything, for other programs");
  export_cmd->add_option("--format", format, "Output format")
      ->check(CLI::IsMember({"json"}))
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (!calendars.empty()) source.path = calendars;

  if (check->parsed()) {
    if (!check_path.empty()) source.path = check_path;
    return ctl::check_command(source, std::cout, std::cerr);
  }
  if (upcoming->parsed()) return ctl::upcoming_command(source, upcoming_options, std::cout, std::cerr);
  if (show->parsed()) return ctl::show_command(source, show_id, show_json, std::cout, std::cerr);
  if (export_cmd->parsed()) return ctl::export_command(source, format, std::cout, std::cerr);
  return 2;
}
