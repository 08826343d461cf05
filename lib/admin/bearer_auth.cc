#include "admin/bearer_auth.h"

#include <openssl/crypto.h>

#include "base/sha256.h"

namespace deadline::admin {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool is_bearer_scheme(std::string_view scheme) {
  constexpr std::string_view bearer = "bearer";
  if (scheme.size() != bearer.size()) return false;
  for (std::size_t i = 0; i < bearer.size(); ++i) {
    const char c = scheme[i] >= 'A' && scheme[i] <= 'Z' ? static_cast<char>(scheme[i] - 'A' + 'a') : scheme[i];
    if (c != bearer[i]) return false;
  }
  return true;
}

}  // namespace

BearerAuth::BearerAuth(std::string_view token) : digest_(sha256_hex(token)) {}

BearerCheck BearerAuth::check(std::string_view authorization) const {
  authorization = trim(authorization);
  const std::size_t space = authorization.find_first_of(" \t");
  if (space == std::string_view::npos || !is_bearer_scheme(authorization.substr(0, space))) {
    return BearerCheck::missing;
  }
  const std::string_view token = trim(authorization.substr(space));
  if (token.empty()) return BearerCheck::missing;
  // Equal-length digests whatever was sent: the comparison's time says nothing about the token.
  const std::string presented = sha256_hex(token);
  return CRYPTO_memcmp(presented.data(), digest_.data(), digest_.size()) == 0 ? BearerCheck::ok : BearerCheck::wrong;
}

}  // namespace deadline::admin
