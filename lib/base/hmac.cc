#include "base/hmac.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace deadline {

std::string hmac_sha256(std::string_view key, std::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // OpenSSL wants a non-null data pointer even for an empty message or key.
  static const unsigned char empty = 0;
  const void* key_data = key.empty() ? static_cast<const void*>(&empty) : static_cast<const void*>(key.data());
  const unsigned char* data =
      message.empty() ? &empty : reinterpret_cast<const unsigned char*>(message.data());
  if (!HMAC(EVP_sha256(), key_data, static_cast<int>(key.size()), data, message.size(), mac, &length)) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(mac), length);
}

}  // namespace deadline
