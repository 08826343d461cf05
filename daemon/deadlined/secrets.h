#pragma once
// The daemon's secrets, read from files at start (systemd's LoadCredential= puts them in
// $CREDENTIALS_DIRECTORY; any path works): the key ring that signs links, and the SMTP relay's
// credentials. Never logged.

#include <filesystem>
#include <string>

#include "base/result.h"
#include "subscription/tokens.h"

namespace deadline::daemon {

// The key ring in `path`. When the file does not exist yet (a first start on the embedded
// defaults), it is created with one fresh key, readable only by the daemon's user: links keep
// working across restarts. An existing file that does not parse is an error, never replaced.
Result<subscription::KeyRing> load_or_create_key_ring(const std::filesystem::path& path);

struct SmtpCredentials {
  std::string username, password;
};

// Line 1 the user name, line 2 the password (a trailing newline is fine). An empty path: no AUTH.
Result<SmtpCredentials> load_smtp_credentials(const std::filesystem::path& path);

// The admin API's bearer token in `path` ([admin] token_file). When the file does not exist yet,
// it is created with a fresh token (admin/admin_token.h: 32 random bytes, 43 characters of
// base64url) on one line, mode 0600. An existing file is read: its first line without the line
// end; an empty, short or malformed token is an error ("PATH: the admin token is too short ..."),
// never replaced. The token is never logged.
Result<std::string> load_or_create_admin_token(const std::filesystem::path& path);

}  // namespace deadline::daemon
