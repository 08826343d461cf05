#include "deadlinectl/released_files_command.h"

#include <fstream>
#include <ostream>
#include <system_error>
#include <vector>

#include "calendar/loader.h"
#include "store/open_store.h"

namespace deadline::ctl {

namespace {

namespace fs = std::filesystem;

// A name the store gave a file is written only as a plain "*.toml" file in DIR: never a path
// that leads out of it, nor a hidden or other file the daemon would not read.
bool plain_calendar_name(const std::string& name) {
  const fs::path p(name);
  return !name.empty() && p == p.filename() && name.front() != '.' && p.extension() == ".toml";
}

std::vector<std::string> calendars_in(const fs::path& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".toml") found.push_back(entry.path().filename().string());
  }
  return found;
}

bool write_file(const fs::path& path, const std::string& text, std::string& error) {
  const fs::path temporary = path.string() + ".new";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      error = "cannot write " + temporary.string();
      return false;
    }
  }
  std::error_code ec;
  fs::rename(temporary, path, ec);
  if (ec) {
    error = "cannot rename " + temporary.string() + " to " + path.string() + ": " + ec.message();
    return false;
  }
  return true;
}

}  // namespace

int write_released_files(const std::string& database, const fs::path& dir, std::ostream& out, std::ostream& err) {
  auto store = store::open_store(database, store::settings_named("deadlinectl"));
  if (!store) {
    err << "deadlinectl: " << store.error() << '\n';
    return 1;
  }
  const auto sources = store.value()->revision_sources(0);  // 0: the latest released
  if (!sources) {
    err << "deadlinectl: " << sources.error() << '\n';
    return 1;
  }
  if (!*sources) {
    err << "deadlinectl: " << database << " has no released calendar revision yet: nothing to write\n";
    return 1;
  }
  const store::RevisionSources& released = **sources;
  for (const CalendarFile& f : released.files) {
    if (!plain_calendar_name(f.name)) {
      err << "deadlinectl: revision #" << released.id << " holds a file named \"" << f.name
          << "\", not a plain *.toml name: nothing written\n";
      return 1;
    }
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    err << "deadlinectl: cannot make " << dir.string() << ": " << ec.message() << '\n';
    return 1;
  }
  if (const auto present = calendars_in(dir); !present.empty()) {
    err << "deadlinectl: " << dir.string() << " already holds calendar files (" << present.front()
        << (present.size() > 1 ? ", …" : "") << "): write into an empty directory, then put it in place\n";
    return 1;
  }
  for (const CalendarFile& f : released.files) {
    std::string error;
    if (!write_file(dir / f.name, f.text, error)) {
      err << "deadlinectl: " << error << '\n';
      return 1;
    }
  }
  const LoadOutcome loaded = load_calendar_dir(dir);
  if (!loaded.calendar || loaded.calendar->revision() != released.calendar_revision) {
    err << "deadlinectl: the files written to " << dir.string() << " do not load as calendar revision "
        << released.calendar_revision << (loaded.errors.empty() ? "" : ": " + loaded.errors.front()) << '\n';
    return 1;
  }
  out << "wrote " << released.files.size() << " file(s) of the released calendar (revision #" << released.id
      << ", calendar " << released.calendar_revision << ") into " << dir.string() << '\n';
  return 0;
}

}  // namespace deadline::ctl
