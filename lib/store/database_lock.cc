#include "store/database_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace deadline::store {

namespace {

int open_lock_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  return ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
}

}  // namespace

std::filesystem::path DatabaseLock::lock_path(const std::filesystem::path& database) {
  return std::filesystem::path(database.string() + ".lock");
}

Result<DatabaseLock> DatabaseLock::acquire(const std::filesystem::path& database) {
  using R = Result<DatabaseLock>;
  const std::filesystem::path path = lock_path(database);
  const int fd = open_lock_file(path);
  if (fd < 0) return R::failure("cannot open " + path.string() + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK) {
      return R::failure(database.string() + " is in use by another deadlined (it holds " + path.string() + ")");
    }
    return R::failure("cannot lock " + path.string() + ": " + std::strerror(error));
  }
  return R::success(DatabaseLock(fd));
}

bool DatabaseLock::held_elsewhere(const std::filesystem::path& database) {
  const int fd = ::open(lock_path(database).c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;  // no lock file: nobody has run on it
  const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // also drops the lock, had the probe taken it
  return held;
}

DatabaseLock::DatabaseLock(DatabaseLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

DatabaseLock::~DatabaseLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the lock
}

}  // namespace deadline::store
