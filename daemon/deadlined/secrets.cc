#include "deadlined/secrets.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "admin/admin_token.h"
#include "base/log.h"

namespace deadline::daemon {

namespace fs = std::filesystem;

Result<subscription::KeyRing> load_or_create_key_ring(const fs::path& path) {
  using R = Result<subscription::KeyRing>;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
    const std::string text = "# deadlined link keys (docs/configuration.md, [tokens]); the last line signs\n" +
                             subscription::generate_key_line(1) + "\n";
    // O_EXCL: two daemons starting at once cannot both write a key and hand out links the other
    // cannot read; the loser reads the winner's file below.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
      const bool synced = ::fsync(fd) == 0;
      ::close(fd);
      if (!written || !synced) return R::failure(path.string() + ": cannot write the new key file");
      log::info("tokens", "created " + path.string() + " with a new link key");
    } else if (errno != EEXIST) {
      return R::failure(path.string() + ": cannot create the key file: " + std::strerror(errno));
    }
  }
  return subscription::load_key_ring(path);
}

Result<SmtpCredentials> load_smtp_credentials(const fs::path& path) {
  using R = Result<SmtpCredentials>;
  if (path.empty()) return R::success({});
  std::ifstream in(path, std::ios::binary);
  if (!in) return R::failure(path.string() + ": cannot read the SMTP credentials file");
  SmtpCredentials c;
  std::getline(in, c.username);
  std::getline(in, c.password);
  for (std::string* s : {&c.username, &c.password}) {
    if (!s->empty() && s->back() == '\r') s->pop_back();
  }
  if (c.username.empty()) return R::failure(path.string() + ":1: the first line must be the SMTP user name");
  return R::success(std::move(c));
}

Result<std::string> load_or_create_admin_token(const fs::path& path) {
  using R = Result<std::string>;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
    std::string text = admin::generate_admin_token() + "\n";
    // O_EXCL, as for the key ring: of two daemons starting at once, one writes and both read it.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
      const bool synced = ::fsync(fd) == 0;
      ::close(fd);
      std::fill(text.begin(), text.end(), '\0');
      if (!written || !synced) return R::failure(path.string() + ": cannot write the new admin token file");
      log::info("admin", "created " + path.string() + " with a new admin token");
    } else if (errno != EEXIST) {
      return R::failure(path.string() + ": cannot create the admin token file: " + std::strerror(errno));
    }
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return R::failure(path.string() + ": cannot read the admin token file");
  std::string token;
  std::getline(in, token);
  if (!token.empty() && token.back() == '\r') token.pop_back();
  if (const std::string problem = admin::admin_token_problem(token); !problem.empty()) {
    return R::failure(path.string() + ":1: " + problem);
  }
  const auto perms = fs::status(path, ec).permissions();
  if (!ec && (perms & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none) {
    log::warning("admin", path.string() + " is open to other users (group or others have access): chmod 600 it");
  }
  return R::success(std::move(token));
}

}  // namespace deadline::daemon
