#include "subscription/tokens.h"

#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <string>

#include "base/base64.h"
#include "test_support.h"

using namespace deadline;
using namespace deadline::subscription;

namespace {

constexpr TokenPurpose kPurposes[] = {TokenPurpose::confirm, TokenPurpose::manage, TokenPurpose::unsubscribe,
                                      TokenPurpose::feed};

std::string secret_of(char fill, std::size_t size = 32) { return std::string(size, fill); }

KeyRing ring_of(std::vector<TokenKey> keys) {
  Result<KeyRing> ring = KeyRing::create(std::move(keys));
  REQUIRE(ring);
  return *ring;
}

std::string token(const KeyRing& ring, TokenPurpose purpose, std::int64_t subscriber, std::int64_t generation) {
  Result<std::string> made = make_token(ring, purpose, subscriber, generation);
  REQUIRE(made);
  return *made;
}

// base64url without padding, both ways, written here independently of the library.
std::string to_standard(std::string text) {
  for (char& c : text) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (text.size() % 4 != 0) text += '=';
  return text;
}

std::string to_url(std::string text) {
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return text;
}

}  // namespace

TEST_CASE("tokens: a token round trips for every purpose") {
  const KeyRing ring = ring_of({{7, secret_of('k')}});
  for (const TokenPurpose purpose : kPurposes) {
    for (const auto& [subscriber, generation] :
         std::vector<std::pair<std::int64_t, std::int64_t>>{{1, 0}, {42, 1}, {1'000'000, 17}, {INT64_MAX, INT64_MAX}}) {
      const std::string made = token(ring, purpose, subscriber, generation);
      CHECK(made.size() == kTokenLength);
      CHECK(made.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
            std::string::npos);
      Result<TokenClaims> claims = verify_token(ring, purpose, made);
      REQUIRE(claims);
      CHECK(claims->subscriber_id == subscriber);
      CHECK(claims->generation == generation);
      CHECK(claims->key_id == 7);
    }
  }
}

TEST_CASE("tokens: a token made for one purpose fails for every other") {
  const KeyRing ring = ring_of({{1, secret_of('k')}});
  for (const TokenPurpose made_for : kPurposes) {
    const std::string made = token(ring, made_for, 42, 3);
    for (const TokenPurpose checked_for : kPurposes) {
      Result<TokenClaims> claims = verify_token(ring, checked_for, made);
      CHECK(static_cast<bool>(claims) == (made_for == checked_for));
      if (!claims) CHECK(claims.error() == "token does not match");
    }
  }
}

TEST_CASE("tokens: every flipped bit fails") {
  const KeyRing ring = ring_of({{1, secret_of('k')}});
  const std::string made = token(ring, TokenPurpose::unsubscribe, 42, 3);
  const std::string bytes = *base64_decode(to_standard(made));
  REQUIRE(bytes.size() == 34);
  for (std::size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    std::string flipped = bytes;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    const std::string tampered = to_url(base64_encode(flipped));
    REQUIRE(tampered.size() == made.size());
    INFO("bit " << bit);
    CHECK_FALSE(verify_token(ring, TokenPurpose::unsubscribe, tampered));
  }
  // Every single-character change, too (including ones that only touch the unused low bits).
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  int refused = 0;
  for (std::size_t i = 0; i < made.size(); ++i) {
    for (const char c : alphabet) {
      if (c == made[i]) continue;
      std::string changed = made;
      changed[i] = c;
      refused += !verify_token(ring, TokenPurpose::unsubscribe, changed);
    }
  }
  CHECK(refused == static_cast<int>(made.size() * (alphabet.size() - 1)));
}

TEST_CASE("tokens: malformed tokens are refused without echoing them") {
  const KeyRing ring = ring_of({{1, secret_of('k')}});
  const std::string made = token(ring, TokenPurpose::manage, 42, 3);
  for (const std::string& bad : std::vector<std::string>{std::string(), made.substr(1), made + "A", made.substr(0, 45) + "=",
                                made.substr(0, 45) + "+", made.substr(0, 45) + "/", made.substr(0, 45) + " ",
                                std::string(46, 'A'), std::string(2000, 'A')}) {
    Result<TokenClaims> claims = verify_token(ring, TokenPurpose::manage, bad);
    REQUIRE_FALSE(claims);
    CHECK(claims.error().find(made.substr(0, 10)) == std::string::npos);
  }
  CHECK_FALSE(make_token(ring, TokenPurpose::manage, 0, 1));
  CHECK_FALSE(make_token(ring, TokenPurpose::manage, -5, 1));
  CHECK_FALSE(make_token(ring, TokenPurpose::manage, 5, -1));
}

TEST_CASE("tokens: different inputs and keys give different tokens") {
  const KeyRing ring = ring_of({{1, secret_of('k')}});
  std::set<std::string> seen;
  for (std::int64_t subscriber = 1; subscriber <= 20; ++subscriber) {
    for (std::int64_t generation = 0; generation < 5; ++generation) {
      for (const TokenPurpose purpose : kPurposes) seen.insert(token(ring, purpose, subscriber, generation));
    }
  }
  CHECK(seen.size() == 20 * 5 * 4);
  // A later generation is a different token; the caller compares the generation with the store's.
  Result<TokenClaims> old_generation = verify_token(ring, TokenPurpose::manage, token(ring, TokenPurpose::manage, 9, 1));
  REQUIRE(old_generation);
  CHECK(old_generation->generation == 1);
  // Same key id, other secret: no match.
  const KeyRing impostor = ring_of({{1, secret_of('x')}});
  Result<TokenClaims> forged = verify_token(impostor, TokenPurpose::manage, token(ring, TokenPurpose::manage, 9, 1));
  REQUIRE_FALSE(forged);
  CHECK(forged.error() == "token does not match");
}

TEST_CASE("tokens: a rotated key ring still verifies old tokens and a removed key fails") {
  const KeyRing before = ring_of({{1, secret_of('a')}});
  const std::string old_token = token(before, TokenPurpose::unsubscribe, 42, 2);

  const KeyRing rotated = ring_of({{1, secret_of('a')}, {2, secret_of('b', 48)}});
  CHECK(rotated.signing_key().id == 2);
  Result<TokenClaims> still = verify_token(rotated, TokenPurpose::unsubscribe, old_token);
  REQUIRE(still);
  CHECK(still->subscriber_id == 42);
  CHECK(still->key_id == 1);
  const std::string new_token = token(rotated, TokenPurpose::unsubscribe, 42, 2);
  CHECK(new_token != old_token);
  CHECK(verify_token(rotated, TokenPurpose::unsubscribe, new_token)->key_id == 2);

  const KeyRing retired = ring_of({{2, secret_of('b', 48)}});
  Result<TokenClaims> gone = verify_token(retired, TokenPurpose::unsubscribe, old_token);
  REQUIRE_FALSE(gone);
  CHECK(gone.error() == "token key is not in the key ring");
  CHECK(verify_token(retired, TokenPurpose::unsubscribe, new_token));
  // The new token never verified under the old ring.
  CHECK_FALSE(verify_token(before, TokenPurpose::unsubscribe, new_token));
}

TEST_CASE("tokens: key rings refuse bad keys") {
  CHECK_FALSE(KeyRing::create({}));
  CHECK_FALSE(KeyRing::create({{0, secret_of('a')}}));
  CHECK_FALSE(KeyRing::create({{256, secret_of('a')}}));
  CHECK_FALSE(KeyRing::create({{1, secret_of('a', 31)}}));
  CHECK_FALSE(KeyRing::create({{1, secret_of('a', 65)}}));
  CHECK_FALSE(KeyRing::create({{1, secret_of('a')}, {1, secret_of('b')}}));
  CHECK(KeyRing::create({{255, secret_of('a', 64)}}));
}

TEST_CASE("tokens: the key file format and its errors") {
  const std::string key_a = base64_encode(secret_of('a')), key_b = base64_encode(secret_of('b', 40));
  Result<KeyRing> ring = parse_key_ring("# deadlined token keys\n\n1:" + key_a + "\n  3 : " + key_b + "  \r\n", "keys");
  REQUIRE(ring);
  CHECK(ring->ids() == std::vector<int>{1, 3});
  CHECK(ring->signing_key().id == 3);
  CHECK(ring->next_id() == 4);

  struct Case {
    std::string text;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"", "keys:0: no key in the file"},
      {"# only a comment\n", "keys:1: no key in the file"},
      {"1" + key_a + "\n", "keys:1: expected ID:BASE64KEY"},
      {"\n0:" + key_a + "\n", "keys:2: key id must be a number from 1 to 255"},
      {"256:" + key_a + "\n", "keys:1: key id must be a number from 1 to 255"},
      {"x:" + key_a + "\n", "keys:1: key id must be a number from 1 to 255"},
      {"1:" + key_a.substr(1) + "\n", "keys:1: key 1 is not standard padded base64"},
      {"1:" + to_url(key_a) + "\n", "keys:1: key 1 is not standard padded base64"},
      {"1:" + base64_encode(secret_of('s', 16)) + "\n", "keys:1: key 1 is 16 bytes; it must be 32 to 64"},
      {"1:" + key_a + "\n2:" + key_b + "\n1:" + key_b + "\n", "keys:3: key id 1 is repeated"},
  };
  for (const Case& c : cases) {
    Result<KeyRing> parsed = parse_key_ring(c.text, "keys");
    INFO(c.text);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error() == c.expected);
    CHECK(parsed.error().find(key_a.substr(0, 12)) == std::string::npos);  // never key material
  }
}

TEST_CASE("tokens: key files load and generated lines are fresh 32-byte keys") {
  test::TempDir dir;
  const std::string first = generate_key_line(1), second = generate_key_line(2);
  CHECK(first.starts_with("1:"));
  CHECK(second.starts_with("2:"));
  CHECK(first.substr(2) != second.substr(2));
  CHECK(base64_decode(first.substr(2))->size() == 32);
  {
    std::ofstream out(dir / "token-keys");
    out << "# rotated 2024-10-11\n" << first << "\n" << second << "\n";
  }
  Result<KeyRing> ring = load_key_ring(dir / "token-keys");
  REQUIRE(ring);
  CHECK(ring->signing_key().id == 2);
  CHECK(ring->next_id() == 3);
  const std::string made = token(*ring, TokenPurpose::feed, 5, 1);
  CHECK(verify_token(*ring, TokenPurpose::feed, made));

  Result<KeyRing> missing = load_key_ring(dir / "nope");
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == (dir / "nope").string() + ":0: cannot open the key file");
  CHECK_THROWS_AS(generate_key_line(0), std::invalid_argument);
  CHECK_THROWS_AS(generate_key_line(256), std::invalid_argument);
  // All ids above the highest are taken: the smallest free one.
  CHECK(KeyRing::create({{255, secret_of('a')}, {1, secret_of('b')}})->next_id() == 2);
}
