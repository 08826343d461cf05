#pragma once
// HMAC-SHA256 (RFC 2104 over SHA-256, OpenSSL): the one MAC every signer shares: Standard
// Webhooks (delivery/webhook_signature.h) and the DingTalk and Feishu robots' signatures
// (delivery/robot_signature.h).

#include <string>
#include <string_view>

namespace deadline {

// The 32 raw bytes of HMAC-SHA256(key, message). Throws std::runtime_error if OpenSSL fails.
std::string hmac_sha256(std::string_view key, std::string_view message);

}  // namespace deadline
