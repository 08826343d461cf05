#include "base/hmac.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>
#include <stdexcept>

namespace deadline {

namespace {

struct MacContextFree {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

// OpenSSL 3's one-shot HMAC() fetches the algorithm from the provider on every call, which costs
// more than the MAC of a webhook body. Each thread keeps one HMAC-SHA256 context, made once and
// re-keyed per call (EVP_MAC_init with a key starts afresh).
EVP_MAC_CTX& thread_context() {
  thread_local const std::unique_ptr<EVP_MAC_CTX, MacContextFree> ctx = [] {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (!mac) throw std::runtime_error("HMAC-SHA256: OpenSSL has no HMAC");
    std::unique_ptr<EVP_MAC_CTX, MacContextFree> made(EVP_MAC_CTX_new(mac));
    EVP_MAC_free(mac);  // the context holds its own reference
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (!made || EVP_MAC_CTX_set_params(made.get(), params) != 1) {
      throw std::runtime_error("HMAC-SHA256: cannot set up an OpenSSL context");
    }
    return made;
  }();
  return *ctx;
}

}  // namespace

std::string hmac_sha256(std::string_view key, std::string_view message) {
  // OpenSSL wants a non-null data pointer even for an empty message or key.
  static const unsigned char empty = 0;
  const auto* key_data = key.empty() ? &empty : reinterpret_cast<const unsigned char*>(key.data());
  const auto* data = message.empty() ? &empty : reinterpret_cast<const unsigned char*>(message.data());
  EVP_MAC_CTX& ctx = thread_context();
  unsigned char mac[EVP_MAX_MD_SIZE];
  std::size_t length = 0;
  if (EVP_MAC_init(&ctx, key_data, key.size(), nullptr) != 1 || EVP_MAC_update(&ctx, data, message.size()) != 1 ||
      EVP_MAC_final(&ctx, mac, &length, sizeof mac) != 1) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(mac), length);
}

}  // namespace deadline
