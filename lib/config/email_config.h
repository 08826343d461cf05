#pragma once
// The [email] section and the URLs around email: the SMTP relay and the public base URL that
// links in messages point to. Checked when the configuration is read, so a bad relay or From
// address stops the daemon at start with file:line instead of failing every message later.

#include <filesystem>
#include <string>

#include "base/toml_reader.h"
#include "config/config.h"

namespace deadline {

void read_email(TableReader& r, const std::filesystem::path& base, Config::Email& email);

// Empty when `url` can be the relay: smtp:// (STARTTLS is then required, unless the host is
// loopback) or smtps://, a host, no user name or password in the URL (they go in the credentials
// file). Else why not.
std::string smtp_relay_problem(const std::string& url);

// Whether the relay's host is loopback (localhost, 127.0.0.0/8, ::1): the one case where mail may
// go without TLS, as to the local MTA.
bool relay_is_loopback(const std::string& url);

// Empty when `url` can be the public base of links: http:// or https://, a host, no query,
// fragment or user info. Else why not.
std::string public_url_problem(const std::string& url);

}  // namespace deadline
