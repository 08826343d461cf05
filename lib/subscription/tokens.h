#pragma once
// Link tokens (DESIGN.md "Tokens"): what confirm, manage, unsubscribe and feed links carry. A
// token proves the server made it for that purpose, subscriber and generation; nothing about it
// is stored, and bumping a subscriber's token generation revokes every link made before.
//
// Format (version 1): base64url without padding (RFC 4648 section 5) of 34 bytes,
//
//   byte  0       format version, 1
//   byte  1       key id, 1–255: which key of the ring made the MAC
//   bytes 2–9     subscriber id, big-endian signed 64-bit, > 0
//   bytes 10–17   generation, big-endian signed 64-bit, >= 0
//   bytes 18–33   the first 16 bytes of HMAC-SHA256(key, "deadlined-token-v1" 0x00 purpose 0x00
//                 bytes 0–17), purpose being "confirm", "manage", "unsubscribe" or "feed"
//
// so every token is exactly 46 characters of A-Z a-z 0-9 '-' '_', safe in a URL path. The purpose
// is not in the token: a token made for one purpose simply fails for another. Truncating the MAC
// to 128 bits leaves forging at 2^-128 per attempt.
//
// Key file (the credentials file, e.g. systemd's LoadCredential=): UTF-8 text, one key per line,
//
//   # comments and blank lines are ignored; surrounding spaces and tabs too
//   1:q0Vb3pQ...=        key id (decimal 1–255) ':' standard padded base64 of 32 to 64 bytes
//   2:Hc1Zs9w...=        the LAST key line signs new tokens; every listed key verifies
//
// Rotation: append a line made by generate_key_line (the newest key signs from the next load on),
// keep the old lines as long as links made with them must work, then delete them: their tokens
// then fail. Ids must be unique in the file. Errors read "file:line: message" and never contain
// key material. Keep the file readable only by the daemon.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace deadline::subscription {

enum class TokenPurpose { confirm, manage, unsubscribe, feed };

// "confirm", "manage", "unsubscribe", "feed".
std::string_view to_string(TokenPurpose purpose);

inline constexpr std::size_t kTokenKeyMinBytes = 32;
inline constexpr std::size_t kTokenKeyMaxBytes = 64;
inline constexpr std::size_t kTokenLength = 46;  // characters

struct TokenKey {
  int id = 0;              // 1–255
  std::string secret;      // 32–64 bytes
};

// The keys that sign and verify tokens: the last one signs, all verify. Never empty (a moved-from
// ring must not be used). The key bytes are wiped (OPENSSL_cleanse) when the ring goes.
class KeyRing {
 public:
  // Fails if `keys` is empty, an id is outside 1–255 or repeated, or a secret is not 32–64 bytes.
  static Result<KeyRing> create(std::vector<TokenKey> keys);

  KeyRing(const KeyRing& other) = default;
  KeyRing(KeyRing&& other) = default;
  KeyRing& operator=(const KeyRing& other) = default;
  KeyRing& operator=(KeyRing&& other) = default;
  ~KeyRing();

  const TokenKey& signing_key() const { return keys_.back(); }
  // The key with `id`, or nullptr.
  const TokenKey* find(int id) const;
  std::vector<int> ids() const;
  // The smallest id above every id in the ring, else the smallest unused one (for a new line).
  int next_id() const;

 private:
  explicit KeyRing(std::vector<TokenKey> keys) : keys_(std::move(keys)) {}
  std::vector<TokenKey> keys_;
};

// "ID:HEX": the key's id and 16 hex digits of HMAC-SHA256(key, a fixed label). Tells keys apart
// (two nodes' key 1 may differ) without revealing them: what the nodes of one database compare
// (pg/node_registry.h).
std::string key_fingerprint(const TokenKey& key);

// Reads the key file format above from `text`; `source` names it in errors ("source:line: ...").
Result<KeyRing> parse_key_ring(std::string_view text, std::string_view source);
// Reads the file at `path` (at most 64 KiB); errors name the file as given.
Result<KeyRing> load_key_ring(const std::filesystem::path& path);

// A new key line "ID:BASE64" for the key file: 32 bytes from OpenSSL's RAND_bytes. `id` must be
// 1–255 (KeyRing::next_id() for an existing ring). Throws std::invalid_argument for a bad id and
// std::runtime_error if the generator fails (never a weak key).
std::string generate_key_line(int id);

// A token for `purpose`, `subscriber_id` (> 0) and `generation` (>= 0) made with the ring's
// signing key. Fails only on out-of-range ids.
Result<std::string> make_token(const KeyRing& ring, TokenPurpose purpose, std::int64_t subscriber_id,
                               std::int64_t generation);

struct TokenClaims {
  std::int64_t subscriber_id = 0;
  std::int64_t generation = 0;
  int key_id = 0;  // the key that made it (a caller may log it; it is not secret)
};

// What `token` proves for `purpose`: the subscriber and the generation, when it is well formed, its
// key is in the ring and its MAC matches (compared with CRYPTO_memcmp). The caller must still
// compare `generation` with the subscriber's current one in the store (a lower one was revoked).
// Errors are short and never repeat the token: "malformed token", "token key is not in the key
// ring", "token does not match".
Result<TokenClaims> verify_token(const KeyRing& ring, TokenPurpose purpose, std::string_view token);

}  // namespace deadline::subscription
