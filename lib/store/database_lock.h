#pragma once
// Who owns a database file: deadlined holds an exclusive lock on DATABASE.lock for as long as it
// runs, so a second daemon on the same file refuses to start, and deadlinectl's offline --db
// verbs refuse to run beside it (they go through the admin API instead). flock(2): the kernel
// drops the lock when the holder exits, however it exits (kill -9 included), and root gets no
// exception.

#include <filesystem>
#include <string>

#include "base/result.h"

namespace deadline::store {

class DatabaseLock {
 public:
  // Takes the lock without waiting. Fails, saying so, when another process holds it, or when
  // the lock file cannot be created (its directory is made if missing).
  static Result<DatabaseLock> acquire(const std::filesystem::path& database);
  // True when a process holds the lock on `database` now (a probe; nothing is kept).
  static bool held_elsewhere(const std::filesystem::path& database);

  DatabaseLock(DatabaseLock&& other) noexcept;
  DatabaseLock& operator=(DatabaseLock&&) = delete;
  DatabaseLock(const DatabaseLock&) = delete;
  DatabaseLock& operator=(const DatabaseLock&) = delete;
  ~DatabaseLock();

  static std::filesystem::path lock_path(const std::filesystem::path& database);

 private:
  explicit DatabaseLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace deadline::store
