#include "delivery/webhook_signature.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <charconv>
#include <cstdint>
#include <stdexcept>

#include "base/base64.h"
#include "base/hmac.h"

namespace deadline {

namespace {

// "v1," + base64(HMAC-SHA256(key, id.timestamp.body)).
std::string signature_v1(std::string_view key, std::string_view id, std::string_view timestamp,
                         std::string_view body) {
  std::string content;
  content.reserve(id.size() + timestamp.size() + body.size() + 2);
  content.append(id).append(".").append(timestamp).append(".").append(body);
  return "v1," + base64_encode(hmac_sha256(key, content));
}

bool valid_message_id(std::string_view id) {
  if (id.empty()) return false;
  for (char c : id) {
    if (c <= ' ' || c > '~' || c == '.') return false;
  }
  return true;
}

std::string unix_seconds(Instant instant) { return std::to_string(instant.time_since_epoch().count()); }

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

Result<std::string> webhook_key(std::string_view secret) {
  using R = Result<std::string>;
  if (!secret.starts_with(kWebhookSecretPrefix)) {
    return R::failure("webhook secret must start with \"whsec_\"");
  }
  Result<std::string> key = base64_decode(secret.substr(kWebhookSecretPrefix.size()));
  if (!key) return R::failure("webhook secret after \"whsec_\" is not base64: " + key.error());
  const std::size_t size = key->size();
  if (size < kWebhookKeyMinBytes || size > kWebhookKeyMaxBytes) {
    return R::failure("webhook secret decodes to " + std::to_string(size) + " bytes; it must be " +
                      std::to_string(kWebhookKeyMinBytes) + " to " +
                      std::to_string(kWebhookKeyMaxBytes));
  }
  return key;
}

std::string generate_webhook_secret() {
  unsigned char key[kWebhookGeneratedKeyBytes];
  if (RAND_bytes(key, static_cast<int>(sizeof key)) != 1) {
    throw std::runtime_error("RAND_bytes failed: no webhook secret generated");
  }
  std::string secret(kWebhookSecretPrefix);
  secret += base64_encode(std::string_view(reinterpret_cast<const char*>(key), sizeof key));
  OPENSSL_cleanse(key, sizeof key);
  return secret;
}

Result<WebhookSignatureHeaders> sign_webhook(const std::vector<std::string>& secrets,
                                             std::string_view message_id, Instant timestamp,
                                             std::string_view body) {
  using R = Result<WebhookSignatureHeaders>;
  if (secrets.empty()) return R::failure("no webhook secret to sign with");
  if (!valid_message_id(message_id)) {
    return R::failure("webhook id must be non-empty printable ASCII without spaces or dots");
  }
  WebhookSignatureHeaders headers{std::string(message_id), unix_seconds(timestamp), {}};
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    Result<std::string> key = webhook_key(secrets[i]);
    if (!key) {
      return R::failure("webhook secret " + std::to_string(i + 1) + " of " +
                        std::to_string(secrets.size()) + ": " + key.error());
    }
    if (i > 0) headers.signature += ' ';
    headers.signature += signature_v1(*key, headers.id, headers.timestamp, body);
  }
  return R::success(std::move(headers));
}

Status verify_webhook(std::string_view secret, std::string_view id, std::string_view timestamp,
                      std::string_view signature_header, std::string_view body, Instant now,
                      std::chrono::seconds tolerance) {
  Result<std::string> key = webhook_key(secret);
  if (!key) return Status::failure(key.error());

  std::int64_t seconds = 0;
  const char* end = timestamp.data() + timestamp.size();
  const auto [parsed_to, error] = std::from_chars(timestamp.data(), end, seconds);
  if (timestamp.empty() || timestamp.front() == '-' || error != std::errc{} || parsed_to != end) {
    return Status::failure("webhook-timestamp is not decimal Unix seconds");
  }
  const auto skew = std::chrono::abs(std::chrono::seconds{seconds} - now.time_since_epoch());
  if (skew > tolerance) {
    return Status::failure("webhook-timestamp is " + std::to_string(skew.count()) +
                           " s away from now (tolerance " + std::to_string(tolerance.count()) + " s)");
  }

  const std::string expected = signature_v1(*key, id, timestamp, body);
  bool matched = false;
  std::string_view rest = signature_header;
  while (!rest.empty()) {
    const std::size_t space = rest.find(' ');
    const std::string_view entry = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    // Check every entry, not just until the first match, so the time taken does not say which.
    if (constant_time_equal(entry, expected)) matched = true;
  }
  if (!matched) return Status::failure("no webhook-signature entry matches");
  return ok_status();
}

}  // namespace deadline
