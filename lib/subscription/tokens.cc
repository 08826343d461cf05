#include "subscription/tokens.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "base/base64.h"
#include "base/hmac.h"
#include "base/sha256.h"

namespace deadline::subscription {

namespace {

constexpr unsigned char kFormatVersion = 1;
constexpr std::size_t kHeaderBytes = 18;  // version, key id, subscriber, generation
constexpr std::size_t kMacBytes = 16;
constexpr std::size_t kTokenBytes = kHeaderBytes + kMacBytes;
constexpr std::string_view kMacContext = "deadlined-token-v1";
constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;

void put_be64(std::string& out, std::int64_t value) {
  const auto bits = static_cast<std::uint64_t>(value);
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>(static_cast<unsigned char>(bits >> shift & 0xff));
}

std::int64_t get_be64(std::string_view bytes, std::size_t at) {
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < 8; ++i) bits = bits << 8 | static_cast<unsigned char>(bytes[at + i]);
  return static_cast<std::int64_t>(bits);
}

// The truncated MAC over the token's first 18 bytes for `purpose`.
std::string mac(const TokenKey& key, TokenPurpose purpose, std::string_view header) {
  std::string content(kMacContext);
  content += '\0';
  content += to_string(purpose);
  content += '\0';
  content += header;
  std::string digest = hmac_sha256(key.secret, content);
  if (digest.size() < kMacBytes) throw std::runtime_error("HMAC-SHA256 failed");
  digest.resize(kMacBytes);
  return digest;
}

std::string base64url(std::string_view bytes) {
  std::string text = base64_encode(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return text;
}

// Strict: only the URL-safe alphabet, no padding; non-canonical trailing bits refused (base64_decode).
Result<std::string> from_base64url(std::string_view text) {
  std::string standard(text);
  for (char& c : standard) {
    if (c == '+' || c == '/' || c == '=') return Result<std::string>::failure("not base64url");
    c = c == '-' ? '+' : c == '_' ? '/' : c;
  }
  if (standard.size() % 4 == 1) return Result<std::string>::failure("not base64url");
  while (standard.size() % 4 != 0) standard += '=';
  return base64_decode(standard);
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

std::string key_problem(const TokenKey& key) {
  if (key.id < 1 || key.id > 255) return "key id must be 1 to 255";
  if (key.secret.size() < kTokenKeyMinBytes || key.secret.size() > kTokenKeyMaxBytes) {
    return "key " + std::to_string(key.id) + " is " + std::to_string(key.secret.size()) + " bytes; it must be " +
           std::to_string(kTokenKeyMinBytes) + " to " + std::to_string(kTokenKeyMaxBytes);
  }
  return {};
}

}  // namespace

std::string_view to_string(TokenPurpose purpose) {
  switch (purpose) {
    case TokenPurpose::confirm: return "confirm";
    case TokenPurpose::manage: return "manage";
    case TokenPurpose::unsubscribe: return "unsubscribe";
    case TokenPurpose::feed: return "feed";
  }
  return "unknown";
}

Result<KeyRing> KeyRing::create(std::vector<TokenKey> keys) {
  using R = Result<KeyRing>;
  if (keys.empty()) return R::failure("the key ring has no key");
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (const std::string problem = key_problem(keys[i]); !problem.empty()) return R::failure(problem);
    for (std::size_t j = 0; j < i; ++j) {
      if (keys[j].id == keys[i].id) return R::failure("key id " + std::to_string(keys[i].id) + " is repeated");
    }
  }
  return R::success(KeyRing(std::move(keys)));
}

KeyRing::~KeyRing() {
  for (TokenKey& key : keys_) OPENSSL_cleanse(key.secret.data(), key.secret.size());
}

const TokenKey* KeyRing::find(int id) const {
  const auto it = std::find_if(keys_.begin(), keys_.end(), [id](const TokenKey& key) { return key.id == id; });
  return it == keys_.end() ? nullptr : &*it;
}

std::vector<int> KeyRing::ids() const {
  std::vector<int> ids;
  for (const TokenKey& key : keys_) ids.push_back(key.id);
  return ids;
}

int KeyRing::next_id() const {
  int highest = 0;
  for (const TokenKey& key : keys_) highest = std::max(highest, key.id);
  if (highest < 255) return highest + 1;
  for (int id = 1; id <= 255; ++id) {
    if (!find(id)) return id;
  }
  return 0;  // all 255 ids in use
}

Result<KeyRing> parse_key_ring(std::string_view text, std::string_view source) {
  using R = Result<KeyRing>;
  std::vector<TokenKey> keys;
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    ++line_number;
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    const std::string where = std::string(source) + ":" + std::to_string(line_number) + ": ";
    if (line.empty() || line.front() == '#') continue;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return R::failure(where + "expected ID:BASE64KEY");
    const std::string_view id_text = trim(line.substr(0, colon));
    int id = 0;
    const auto [end_of_id, error] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (id_text.empty() || error != std::errc{} || end_of_id != id_text.data() + id_text.size() || id < 1 || id > 255) {
      return R::failure(where + "key id must be a number from 1 to 255");
    }
    Result<std::string> secret = base64_decode(trim(line.substr(colon + 1)));
    if (!secret) return R::failure(where + "key " + std::to_string(id) + " is not standard padded base64");
    TokenKey key{id, std::move(secret).value()};
    if (const std::string problem = key_problem(key); !problem.empty()) return R::failure(where + problem);
    if (std::any_of(keys.begin(), keys.end(), [id](const TokenKey& k) { return k.id == id; })) {
      return R::failure(where + "key id " + std::to_string(id) + " is repeated");
    }
    keys.push_back(std::move(key));
  }
  if (keys.empty()) return R::failure(std::string(source) + ":" + std::to_string(line_number) + ": no key in the file");
  return KeyRing::create(std::move(keys));
}

Result<KeyRing> load_key_ring(const std::filesystem::path& path) {
  using R = Result<KeyRing>;
  std::ifstream in(path, std::ios::binary);
  if (!in) return R::failure(path.string() + ":0: cannot open the key file");
  std::string text;
  text.resize(kMaxKeyFileBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad()) return R::failure(path.string() + ":0: cannot read the key file");
  if (text.size() > kMaxKeyFileBytes) return R::failure(path.string() + ":0: the key file is larger than 64 KiB");
  Result<KeyRing> ring = parse_key_ring(text, path.string());
  OPENSSL_cleanse(text.data(), text.size());
  return ring;
}

std::string key_fingerprint(const TokenKey& key) {
  // A keyed hash of a fixed label: one-way, and unlike a plain hash of the key it is no
  // oracle for the key's bytes.
  return std::to_string(key.id) + ":" + sha256_hex(hmac_sha256(key.secret, "deadlined key fingerprint")).substr(0, 16);
}

std::string generate_key_line(int id) {
  if (id < 1 || id > 255) throw std::invalid_argument("key id must be 1 to 255");
  std::array<unsigned char, kTokenKeyMinBytes> key{};
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed: no token key generated");
  }
  std::string line = std::to_string(id) + ":" +
                     base64_encode(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
  OPENSSL_cleanse(key.data(), key.size());
  return line;
}

Result<std::string> make_token(const KeyRing& ring, TokenPurpose purpose, std::int64_t subscriber_id,
                               std::int64_t generation) {
  using R = Result<std::string>;
  if (subscriber_id <= 0) return R::failure("subscriber id must be positive");
  if (generation < 0) return R::failure("token generation must not be negative");
  const TokenKey& key = ring.signing_key();
  std::string bytes;
  bytes.reserve(kTokenBytes);
  bytes += static_cast<char>(kFormatVersion);
  bytes += static_cast<char>(static_cast<unsigned char>(key.id));
  put_be64(bytes, subscriber_id);
  put_be64(bytes, generation);
  bytes += mac(key, purpose, bytes);
  return R::success(base64url(bytes));
}

Result<TokenClaims> verify_token(const KeyRing& ring, TokenPurpose purpose, std::string_view token) {
  using R = Result<TokenClaims>;
  if (token.size() != kTokenLength) return R::failure("malformed token");
  Result<std::string> bytes = from_base64url(token);
  if (!bytes || bytes->size() != kTokenBytes || static_cast<unsigned char>((*bytes)[0]) != kFormatVersion) {
    return R::failure("malformed token");
  }
  const std::string_view data = *bytes;
  TokenClaims claims;
  claims.key_id = static_cast<unsigned char>(data[1]);
  claims.subscriber_id = get_be64(data, 2);
  claims.generation = get_be64(data, 10);
  const TokenKey* key = ring.find(claims.key_id);
  if (!key) return R::failure("token key is not in the key ring");
  const std::string expected = mac(*key, purpose, data.substr(0, kHeaderBytes));
  if (CRYPTO_memcmp(expected.data(), data.data() + kHeaderBytes, kMacBytes) != 0) {
    return R::failure("token does not match");
  }
  // Only reachable with a key that signed such values, i.e. never from make_token; refuse anyway.
  if (claims.subscriber_id <= 0 || claims.generation < 0) return R::failure("malformed token");
  return R::success(claims);
}

}  // namespace deadline::subscription
