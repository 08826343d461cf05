#pragma once
// The admin API's bearer token as it is written in its file (docs/http-api.md, "Admin API"):
// one line of base64url. deadlined creates it at its first start (daemon/deadlined/secrets.cc)
// from 32 random bytes; an operator may write their own, as long as it passes
// admin_token_problem.

#include <cstddef>
#include <string>
#include <string_view>

namespace deadline::admin {

// 32 random bytes as base64url without padding: 43 characters.
inline constexpr std::size_t kGeneratedAdminTokenLength = 43;
// A written token must be at least this long (the generated one is longer).
inline constexpr std::size_t kMinAdminTokenLength = 32;
inline constexpr std::size_t kMaxAdminTokenLength = 512;

// A fresh token from OpenSSL's RAND_bytes. Throws std::runtime_error if the generator fails.
std::string generate_admin_token();

// Empty when `token` (the file's first line, newline removed) can be the admin token: 32 to 512
// characters, each a visible ASCII character (no spaces, no control characters). Else why not;
// the message never quotes the token.
std::string admin_token_problem(std::string_view token);

}  // namespace deadline::admin
