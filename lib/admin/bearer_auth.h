#pragma once
// Checks `Authorization: Bearer TOKEN` against the admin token without leaking it through timing:
// both sides are hashed (SHA-256) and the digests compared with CRYPTO_memcmp, so the time taken
// depends neither on how much of the token matched nor on either side's length.

#include <string>
#include <string_view>

namespace deadline::admin {

enum class BearerCheck {
  ok,
  missing,  // no Authorization header, or one of another scheme (Basic, ...) or without a token
  wrong,    // a bearer token that is not the admin token
};

class BearerAuth {
 public:
  // Keeps only the token's digest.
  explicit BearerAuth(std::string_view token);

  // `authorization` is the header's value ("" when there is none). The scheme is matched without
  // regard to case ("bearer" works too); spaces around the token are ignored.
  BearerCheck check(std::string_view authorization) const;

 private:
  std::string digest_;  // hex SHA-256 of the token
};

}  // namespace deadline::admin
