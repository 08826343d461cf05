#include "deadlinectl/backup_command.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "store/database_lock.h"
#include "store/migrations.h"

namespace deadline::ctl {

namespace fs = std::filesystem;

namespace {

constexpr int kBusyTimeoutMs = 10000;

fs::path with_suffix(const fs::path& path, const char* suffix) { return fs::path(path.string() + suffix); }

// SQLite's companions of a database file: write-ahead log, shared memory, rollback journal.
void remove_sidecars(const fs::path& path) {
  std::error_code ec;
  for (const char* suffix : {"-wal", "-shm", "-journal"}) fs::remove(with_suffix(path, suffix), ec);
}

// An empty file with mode 0600 (SQLite would create it 0644): backups hold addresses and secrets.
std::string create_private_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return "cannot create " + path.string() + ": " + std::strerror(errno);
  ::close(fd);
  return {};
}

std::string fsync_path(const fs::path& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return "cannot open " + path.string() + ": " + std::strerror(errno);
  const bool synced = ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  return synced ? std::string() : "cannot fsync " + path.string() + ": " + std::strerror(error);
}

fs::path directory_of(const fs::path& path) { return path.has_parent_path() ? path.parent_path() : fs::path("."); }

// PRAGMA integrity_check's findings: empty when the database is sound. A file SQLite cannot
// read at all (not a database, truncated) is a finding too.
std::vector<std::string> integrity_problems(SQLite::Database& db) {
  std::vector<std::string> problems;
  try {
    SQLite::Statement check(db, "PRAGMA integrity_check");
    while (check.executeStep()) {
      const std::string row = check.getColumn(0).getString();
      if (row != "ok") problems.push_back(row);
    }
  } catch (const std::exception& e) {
    problems.push_back(e.what());
  }
  return problems;
}

void print_problems(std::ostream& err, const std::vector<std::string>& problems) {
  err << "integrity_check: " << problems.size() << (problems.size() == 1 ? " problem" : " problems") << '\n';
  for (const std::string& p : problems) err << "  " << p << '\n';
}

// Copies every page of `source` into `dest` in one step, that is in one read transaction of the
// source: a consistent snapshot however busy the writer. Retries while the source is locked
// (a checkpoint, a daemon starting), up to the busy timeout.
std::string copy_pages(SQLite::Database& source, SQLite::Database& dest) {
  sqlite3_backup* backup = sqlite3_backup_init(dest.getHandle(), "main", source.getHandle(), "main");
  if (!backup) return std::string("cannot start the copy: ") + sqlite3_errmsg(dest.getHandle());
  int rc = SQLITE_OK;
  for (int waited_ms = 0;; waited_ms += 50) {
    rc = sqlite3_backup_step(backup, -1);
    if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited_ms >= kBusyTimeoutMs) break;
    sqlite3_sleep(50);
  }
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return std::string("copying the database: ") + sqlite3_errstr(rc);
  return {};
}

// Gives `path` the owner (and with `copy_mode` the mode) of `like`, the database it replaces or
// its directory, so a restore run as root leaves files the daemon's user can still write.
// Without privileges chown fails, and the file stays the caller's: the daemon's user anyway.
void take_ownership_of(const fs::path& path, const struct stat& like, bool copy_mode) {
  [[maybe_unused]] const int chowned = ::chown(path.c_str(), like.st_uid, like.st_gid);
  if (copy_mode) ::chmod(path.c_str(), like.st_mode & 0777);
}

}  // namespace

int backup_database(const fs::path& database, const fs::path& file, bool force, std::ostream& out,
                    std::ostream& err) {
  std::error_code ec;
  if (!fs::is_regular_file(database, ec)) {
    err << "deadlinectl: no database at " << database.string() << " (give it with --db)\n";
    return 1;
  }
  if (fs::exists(file, ec) && fs::equivalent(database, file, ec)) {
    err << "deadlinectl: " << file.string() << " is the database itself\n";
    return 1;
  }
  if (fs::exists(file, ec) && !force) {
    err << "deadlinectl: " << file.string() << " exists; --force replaces it\n";
    return 1;
  }
  const fs::path tmp = with_suffix(file, ".tmp");
  fs::remove(tmp, ec);
  remove_sidecars(tmp);
  if (const std::string problem = create_private_file(tmp); !problem.empty()) {
    err << "deadlinectl: " << problem << '\n';
    return 1;
  }

  std::vector<std::string> problems;
  int version = 0;
  try {
    SQLite::Database source(database.string(), SQLite::OPEN_READONLY, kBusyTimeoutMs);
    SQLite::Database copy(tmp.string(), SQLite::OPEN_READWRITE, kBusyTimeoutMs);
    if (const std::string problem = copy_pages(source, copy); !problem.empty()) {
      err << "deadlinectl: " << database.string() << ": " << problem << '\n';
      fs::remove(tmp, ec);
      return 1;
    }
    // The pages carry the source's WAL flag; a backup is one file, readable on its own.
    copy.exec("PRAGMA journal_mode = DELETE");
    version = store::schema_version(copy);
    problems = integrity_problems(copy);
  } catch (const std::exception& e) {
    err << "deadlinectl: backing up " << database.string() << ": " << e.what() << '\n';
    fs::remove(tmp, ec);
    remove_sidecars(tmp);
    return 1;
  }
  if (const std::string problem = fsync_path(tmp, false); !problem.empty()) {
    err << "deadlinectl: " << problem << '\n';
    return 1;
  }
  if (!problems.empty()) {
    print_problems(err, problems);
    err << "deadlinectl: the database fails its integrity check; the copy is left in " << tmp.string()
        << " for inspection and " << file.string() << " was not written\n";
    return 1;
  }
  fs::rename(tmp, file, ec);
  if (ec) {
    err << "deadlinectl: cannot rename " << tmp.string() << " to " << file.string() << ": " << ec.message() << '\n';
    return 1;
  }
  remove_sidecars(file);  // a replaced file's leftovers must not be read with the new one
  if (const std::string problem = fsync_path(directory_of(file), true); !problem.empty()) {
    err << "deadlinectl: " << problem << '\n';
    return 1;
  }
  out << "backed up " << database.string() << " to " << file.string() << " (" << fs::file_size(file, ec)
      << " bytes, schema version " << version << ")\n"
      << "integrity_check: ok\n";
  return 0;
}

int restore_database(const fs::path& database, const fs::path& file, std::ostream& out, std::ostream& err) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    err << "deadlinectl: no backup at " << file.string() << '\n';
    return 1;
  }
  const bool replacing = fs::exists(database, ec);
  if (replacing && fs::equivalent(database, file, ec)) {
    err << "deadlinectl: " << file.string() << " is the database itself\n";
    return 1;
  }
  const auto refuse_running = [&] {
    err << "deadlinectl: deadlined is running on " << database.string()
        << " (it holds the .lock file); stop it first (systemctl stop deadlined), then restore\n";
    return 1;
  };
  if (store::DatabaseLock::held_elsewhere(database)) return refuse_running();
  // Held until the new file is in place: a daemon starting meanwhile refuses instead of opening
  // a half-replaced database.
  auto lock = store::DatabaseLock::acquire(database);
  if (!lock) {
    if (store::DatabaseLock::held_elsewhere(database)) return refuse_running();
    err << "deadlinectl: " << lock.error() << '\n';
    return 1;
  }
  // The owner the daemon's files must keep: the old database's, else its directory's.
  struct stat reference {};
  const bool have_reference = ::stat((replacing ? database : directory_of(database)).c_str(), &reference) == 0;
  if (have_reference) take_ownership_of(store::DatabaseLock::lock_path(database), reference, false);

  const fs::path tmp = with_suffix(database, ".restore-tmp");
  int version = 0;
  try {
    SQLite::Database backup(file.string(), SQLite::OPEN_READONLY, kBusyTimeoutMs);
    if (const std::vector<std::string> problems = integrity_problems(backup); !problems.empty()) {
      print_problems(err, problems);
      err << "deadlinectl: " << file.string() << " is damaged; nothing was restored\n";
      return 1;
    }
    version = store::schema_version(backup);
    if (version > store::latest_schema_version()) {
      err << "deadlinectl: " << file.string() << " has schema version " << version
          << ", newer than this deadlinectl knows (" << store::latest_schema_version()
          << "); restore it with the deadlined release that wrote it\n";
      return 1;
    }
    if (version < 1) {
      err << "deadlinectl: " << file.string() << " is not a deadlined database (schema version 0)\n";
      return 1;
    }

    fs::remove(tmp, ec);
    remove_sidecars(tmp);
    if (const std::string problem = create_private_file(tmp); !problem.empty()) {
      err << "deadlinectl: " << problem << '\n';
      return 1;
    }
    SQLite::Database copy(tmp.string(), SQLite::OPEN_READWRITE, kBusyTimeoutMs);
    if (const std::string problem = copy_pages(backup, copy); !problem.empty()) {
      err << "deadlinectl: " << file.string() << ": " << problem << '\n';
      fs::remove(tmp, ec);
      return 1;
    }
    copy.exec("PRAGMA journal_mode = DELETE");  // one file to rename; deadlined turns WAL on again
  } catch (const std::exception& e) {
    err << "deadlinectl: restoring from " << file.string() << ": " << e.what() << '\n';
    fs::remove(tmp, ec);
    remove_sidecars(tmp);
    return 1;
  }
  if (const std::string problem = fsync_path(tmp, false); !problem.empty()) {
    err << "deadlinectl: " << problem << '\n';
    return 1;
  }
  if (have_reference) take_ownership_of(tmp, reference, replacing);

  const fs::path before = with_suffix(database, ".before-restore");
  if (replacing) {
    // Fold the old database's write-ahead log into it, so DATABASE.before-restore is complete
    // on its own. Should that fail (a damaged database), its log goes along with it.
    bool folded = false;
    try {
      SQLite::Database old(database.string(), SQLite::OPEN_READWRITE, kBusyTimeoutMs);
      old.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      folded = true;
    } catch (const std::exception& e) {
      err << "deadlinectl: warning: " << database.string() << ": " << e.what()
          << "; its -wal file is kept beside " << before.string() << '\n';
    }
    fs::remove(before, ec);
    remove_sidecars(before);
    // A second name for the old file: the database path never stops naming a whole database.
    if (::link(database.c_str(), before.c_str()) != 0) {
      fs::copy_file(database, before, fs::copy_options::overwrite_existing, ec);
      if (ec) {
        err << "deadlinectl: cannot keep the old database as " << before.string() << ": " << ec.message()
            << "; nothing was restored\n";
        fs::remove(tmp, ec);
        return 1;
      }
    }
    if (!folded && fs::exists(with_suffix(database, "-wal"), ec)) {
      fs::rename(with_suffix(database, "-wal"), with_suffix(before, "-wal"), ec);
    }
  }
  // Stale companions of the old file would be read with the new one: a log replayed onto it.
  remove_sidecars(database);
  fs::rename(tmp, database, ec);
  if (ec) {
    err << "deadlinectl: cannot rename " << tmp.string() << " to " << database.string() << ": " << ec.message()
        << '\n';
    return 1;
  }
  if (const std::string problem = fsync_path(directory_of(database), true); !problem.empty()) {
    err << "deadlinectl: " << problem << '\n';
    return 1;
  }
  out << "integrity_check: ok\n"
      << "restored " << database.string() << " from " << file.string() << " (schema version " << version << ")\n";
  if (replacing) out << "the previous database is kept as " << before.string() << '\n';
  if (version < store::latest_schema_version()) {
    out << "deadlined migrates it to schema version " << store::latest_schema_version() << " when it starts\n";
  }
  return 0;
}

}  // namespace deadline::ctl
