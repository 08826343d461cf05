// How long loading the calendar takes (what a SIGHUP reload costs), against a baseline measured
// in the same run: parsing the same files with toml++ alone. The ratio is our validation,
// bound resolution and projection on top of parsing.
//
//   ./build/bench/calendar_load_bench [CALENDARS_DIR] [ROUNDS]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <toml++/toml.h>
#include <vector>

#include "calendar/loader.h"

namespace {

using Clock = std::chrono::steady_clock;

template <class F>
double microseconds_per_round(int rounds, F&& round) {
  const auto start = Clock::now();
  for (int i = 0; i < rounds; ++i) round();
  const std::chrono::duration<double, std::micro> elapsed = Clock::now() - start;
  return elapsed.count() / rounds;
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path dir = argc > 1 ? argv[1] : deadline::default_calendar_dir();
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 200;

  std::vector<std::string> contents;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".toml") continue;
    std::ifstream in(entry.path());
    std::ostringstream bytes;
    bytes << in.rdbuf();
    contents.push_back(bytes.str());
  }

  std::size_t windows = 0, tables = 0;
  const double baseline = microseconds_per_round(rounds, [&] {
    for (const std::string& text : contents) tables += toml::parse(text).size();
  });
  const double load = microseconds_per_round(rounds, [&] {
    const deadline::LoadOutcome outcome = deadline::load_calendar_dir(dir);
    if (!outcome.calendar) std::abort();
    windows = outcome.calendar->windows().size();
  });

  std::printf("calendar: %s (%zu file(s), %zu effective windows), %d rounds\n", dir.c_str(),
              contents.size(), windows, rounds);
  std::printf("baseline toml++ parse only : %10.1f us/round\n", baseline);
  std::printf("deadline load_calendar_dir : %10.1f us/round\n", load);
  std::printf("ratio load / parse         : %10.2f\n", load / baseline);
  return tables == 0;  // keeps the baseline's work observable
}
