#include "admin/admin_token.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

#include "base/base64.h"

namespace deadline::admin {

std::string generate_admin_token() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, static_cast<int>(sizeof bytes)) != 1) {
    throw std::runtime_error("RAND_bytes failed: no admin token generated");
  }
  std::string token = base64_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
  OPENSSL_cleanse(bytes, sizeof bytes);
  // Standard base64 to base64url (RFC 4648 section 5), without the padding.
  token.erase(std::remove(token.begin(), token.end(), '='), token.end());
  std::replace(token.begin(), token.end(), '+', '-');
  std::replace(token.begin(), token.end(), '/', '_');
  return token;
}

std::string admin_token_problem(std::string_view token) {
  if (token.empty()) return "the admin token file is empty";
  if (!std::all_of(token.begin(), token.end(), [](char c) { return c > ' ' && c < 0x7f; })) {
    return "the admin token must be one line of visible ASCII characters (no spaces)";
  }
  if (token.size() < kMinAdminTokenLength) {
    return "the admin token is too short (" + std::to_string(token.size()) + " characters; at least " +
           std::to_string(kMinAdminTokenLength) + " are required)";
  }
  if (token.size() > kMaxAdminTokenLength) {
    return "the admin token is too long (at most " + std::to_string(kMaxAdminTokenLength) + " characters)";
  }
  return {};
}

}  // namespace deadline::admin
