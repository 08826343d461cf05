#include "delivery/webhook_signature.h"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "base/base64.h"

using namespace deadline;

namespace {

// The Standard Webhooks specification's test vector.
const std::string kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string kVectorId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const Instant kTimestamp{std::chrono::seconds{1614265330}};
const std::string kBody = R"({"test": 2432232314})";
const std::string kSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

std::string secret_of_bytes(std::size_t n, char fill = 'k') {
  return "whsec_" + base64_encode(std::string(n, fill));
}

}  // namespace

TEST_CASE("webhook signature matches the Standard Webhooks test vector") {
  const Result<WebhookSignatureHeaders> headers = sign_webhook({kSecret}, kVectorId, kTimestamp, kBody);
  REQUIRE(headers.ok());
  CHECK(headers->id == kVectorId);
  CHECK(headers->timestamp == "1614265330");
  CHECK(headers->signature == kSignature);
  CHECK(verify_webhook(kSecret, kVectorId, "1614265330", kSignature, kBody, kTimestamp).ok());
}

TEST_CASE("webhook signature during a rotation - current then previous - one space apart") {
  const std::string previous = secret_of_bytes(32, 'p');
  const Result<WebhookSignatureHeaders> both = sign_webhook({kSecret, previous}, kVectorId, kTimestamp, kBody);
  REQUIRE(both.ok());
  const Result<WebhookSignatureHeaders> only_previous = sign_webhook({previous}, kVectorId, kTimestamp, kBody);
  REQUIRE(only_previous.ok());
  CHECK(both->signature == kSignature + " " + only_previous->signature);
  CHECK(only_previous->signature.starts_with("v1,"));
  CHECK(only_previous->signature != kSignature);

  // A receiver holding either secret accepts the rotated header.
  CHECK(verify_webhook(kSecret, kVectorId, both->timestamp, both->signature, kBody, kTimestamp).ok());
  CHECK(verify_webhook(previous, kVectorId, both->timestamp, both->signature, kBody, kTimestamp).ok());
  CHECK_FALSE(verify_webhook(secret_of_bytes(32, 'x'), kVectorId, both->timestamp, both->signature, kBody,
                             kTimestamp).ok());
}

TEST_CASE("webhook id is the same on every attempt and the timestamp is the attempt's") {
  const Instant retry = kTimestamp + std::chrono::minutes{5};
  const Result<WebhookSignatureHeaders> first = sign_webhook({kSecret}, kVectorId, kTimestamp, kBody);
  const Result<WebhookSignatureHeaders> second = sign_webhook({kSecret}, kVectorId, retry, kBody);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(second->id == first->id);
  CHECK(second->timestamp == "1614265630");
  CHECK(second->signature != first->signature);
  CHECK(verify_webhook(kSecret, kVectorId, second->timestamp, second->signature, kBody, retry).ok());
}

TEST_CASE("webhook secret without the whsec_ prefix is refused") {
  const std::string bare = base64_encode(std::string(32, 'k'));
  CHECK(webhook_key(bare).error() == "webhook secret must start with \"whsec_\"");
  CHECK_FALSE(webhook_key("WHSEC_" + bare).ok());
  CHECK_FALSE(webhook_key("").ok());
  const Result<WebhookSignatureHeaders> signed_ = sign_webhook({kSecret, bare}, kVectorId, kTimestamp, kBody);
  REQUIRE_FALSE(signed_.ok());
  CHECK(signed_.error() == "webhook secret 2 of 2: webhook secret must start with \"whsec_\"");
}

TEST_CASE("webhook secret that is not base64 is refused") {
  for (const std::string& secret :
       {std::string("whsec_not base64 at all!!"), std::string("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS"),
        std::string("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw="), std::string("whsec_MfKQ9r8GKYqrTwjUPD8I-PZIo2LaLaSw")}) {
    CAPTURE(secret);
    const Result<std::string> key = webhook_key(secret);
    REQUIRE_FALSE(key.ok());
    CHECK(key.error().starts_with("webhook secret after \"whsec_\" is not base64: "));
    CHECK(key.error().find(secret.substr(6)) == std::string::npos);  // never echoes the secret
  }
}

TEST_CASE("webhook secret shorter than 24 or longer than 64 bytes is refused") {
  CHECK(webhook_key(secret_of_bytes(23)).error() ==
        "webhook secret decodes to 23 bytes; it must be 24 to 64");
  CHECK(webhook_key(secret_of_bytes(65)).error() ==
        "webhook secret decodes to 65 bytes; it must be 24 to 64");
  CHECK_FALSE(webhook_key("whsec_").ok());
  CHECK(webhook_key(secret_of_bytes(24))->size() == 24);
  CHECK(webhook_key(secret_of_bytes(64))->size() == 64);
  CHECK(webhook_key(kSecret)->size() == 24);
}

TEST_CASE("signing needs at least one secret and a header-safe message id") {
  CHECK(sign_webhook({}, kVectorId, kTimestamp, kBody).error() == "no webhook secret to sign with");
  for (const char* id : {"", "msg 1", "msg\r\nX-Evil: 1", "msg.1", "msg\x7f"}) {
    CAPTURE(id);
    CHECK_FALSE(sign_webhook({kSecret}, id, kTimestamp, kBody).ok());
  }
  CHECK(sign_webhook({kSecret}, "0123456789abcdef0123456789abcdef", kTimestamp, kBody).ok());
}

TEST_CASE("verification fails when the body or timestamp or id changes") {
  const std::string ts = "1614265330";
  CHECK(verify_webhook(kSecret, kVectorId, ts, kSignature, R"({"test": 2432232315})", kTimestamp).error() ==
        "no webhook-signature entry matches");
  CHECK_FALSE(verify_webhook(kSecret, kVectorId, ts, kSignature, kBody + " ", kTimestamp).ok());
  CHECK_FALSE(verify_webhook(kSecret, kVectorId, "1614265331", kSignature, kBody, kTimestamp).ok());
  CHECK_FALSE(verify_webhook(kSecret, "msg_p5jXN8AQM9LWM0D4loKWxJeK", ts, kSignature, kBody, kTimestamp).ok());
  CHECK_FALSE(verify_webhook(secret_of_bytes(24), kVectorId, ts, kSignature, kBody, kTimestamp).ok());
}

TEST_CASE("verification skips other versions and malformed entries") {
  const std::string ts = "1614265330";
  CHECK(verify_webhook(kSecret, kVectorId, ts, "v2,abc v1,AAAA " + kSignature, kBody, kTimestamp).ok());
  CHECK_FALSE(verify_webhook(kSecret, kVectorId, ts, "v2," + kSignature.substr(3), kBody, kTimestamp).ok());
  CHECK_FALSE(verify_webhook(kSecret, kVectorId, ts, "", kBody, kTimestamp).ok());
  CHECK_FALSE(verify_webhook(kSecret, kVectorId, ts, kSignature.substr(0, kSignature.size() - 1), kBody, kTimestamp).ok());
}

TEST_CASE("verification refuses a timestamp outside the tolerance or not in Unix seconds") {
  const std::string ts = "1614265330";
  using std::chrono::seconds;
  CHECK(verify_webhook(kSecret, kVectorId, ts, kSignature, kBody, kTimestamp + seconds{300}).ok());
  CHECK(verify_webhook(kSecret, kVectorId, ts, kSignature, kBody, kTimestamp - seconds{300}).ok());
  CHECK(verify_webhook(kSecret, kVectorId, ts, kSignature, kBody, kTimestamp + seconds{301}).error() ==
        "webhook-timestamp is 301 s away from now (tolerance 300 s)");
  CHECK_FALSE(verify_webhook(kSecret, kVectorId, ts, kSignature, kBody, kTimestamp - seconds{301}).ok());
  CHECK(verify_webhook(kSecret, kVectorId, ts, kSignature, kBody, kTimestamp + seconds{3600}, seconds{3600}).ok());
  for (const char* bad : {"", "-1614265330", "+1614265330", "1614265330.0", "16142653x0", " 1614265330",
                          "99999999999999999999"}) {
    CAPTURE(bad);
    CHECK(verify_webhook(kSecret, kVectorId, bad, kSignature, kBody, kTimestamp).error() ==
          "webhook-timestamp is not decimal Unix seconds");
  }
}

TEST_CASE("generated webhook secrets are whsec_ and 32 random bytes") {
  std::set<std::string> seen;
  for (int i = 0; i < 16; ++i) {
    const std::string secret = generate_webhook_secret();
    CHECK(secret.starts_with("whsec_"));
    CHECK(secret.size() == 6 + 44);
    const Result<std::string> key = webhook_key(secret);
    REQUIRE(key.ok());
    CHECK(key->size() == 32);
    seen.insert(secret);
  }
  CHECK(seen.size() == 16);
  const std::string secret = generate_webhook_secret();
  const Result<WebhookSignatureHeaders> headers = sign_webhook({secret}, kVectorId, kTimestamp, kBody);
  REQUIRE(headers.ok());
  CHECK(verify_webhook(secret, kVectorId, headers->timestamp, headers->signature, kBody, kTimestamp).ok());
}
