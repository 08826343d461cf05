#pragma once
// Standard Webhooks signing (https://www.standardwebhooks.com/, "Signature scheme"): what every
// webhook attempt carries so the receiver can tell the request came from us, unchanged and fresh.
//
//   webhook-id         the message id, the same on every attempt of one message
//   webhook-timestamp  Unix seconds of this attempt (fresh on each retry)
//   webhook-signature  "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)),
//                      one per secret, space-separated, during a secret rotation
//
// A secret is "whsec_" + base64 of the key: 24 to 64 key bytes. docs/webhooks.md is the
// receiver's side of the same contract.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "time/instant.h"

namespace deadline {

inline constexpr std::string_view kWebhookSecretPrefix = "whsec_";
inline constexpr std::size_t kWebhookKeyMinBytes = 24;
inline constexpr std::size_t kWebhookKeyMaxBytes = 64;
inline constexpr std::size_t kWebhookGeneratedKeyBytes = 32;
// How far a receiver lets webhook-timestamp stray from its clock (Standard Webhooks' default).
inline constexpr std::chrono::seconds kWebhookTimestampTolerance{5 * 60};

// The HMAC key of a secret: "whsec_" + standard base64 (strict, base/base64.h) decoding to 24–64
// bytes. Errors say what is wrong and never repeat the secret.
Result<std::string> webhook_key(std::string_view secret);

// A fresh secret: "whsec_" + base64 of 32 bytes from OpenSSL's RAND_bytes. Throws
// std::runtime_error if the generator fails (it does not return a weak secret).
std::string generate_webhook_secret();

// The three signing headers of one attempt, values ready to send.
struct WebhookSignatureHeaders {
  std::string id;         // webhook-id
  std::string timestamp;  // webhook-timestamp: decimal Unix seconds
  std::string signature;  // webhook-signature: "v1,<base64>", several separated by one space
};

// Signs one attempt with every secret in `secrets` (current first, then the previous one(s)
// during a rotation), in that order. Fails when `secrets` is empty, any secret is invalid (the
// message says which, by position), or `message_id` is empty or holds anything but printable
// ASCII other than space and "." (it becomes a header and a field of the signed content).
Result<WebhookSignatureHeaders> sign_webhook(const std::vector<std::string>& secrets,
                                             std::string_view message_id, Instant timestamp,
                                             std::string_view body);

// The receiver's check, for our tests and our own receivers: `signature_header` must carry at
// least one "v1,<base64>" entry equal to the signature of (id, timestamp, body) with `secret`
// (compared with CRYPTO_memcmp; other versions and malformed entries are skipped), and the
// timestamp must be decimal Unix seconds within `tolerance` of `now`. The error says which check
// failed.
Status verify_webhook(std::string_view secret, std::string_view id, std::string_view timestamp,
                      std::string_view signature_header, std::string_view body, Instant now,
                      std::chrono::seconds tolerance = kWebhookTimestampTolerance);

}  // namespace deadline
