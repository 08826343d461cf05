// The admin API's bearer check (lib/admin/bearer_auth.h) and its token (lib/admin/admin_token.h).

#include <doctest/doctest.h>

#include <set>
#include <string>

#include "admin/admin_token.h"
#include "admin/bearer_auth.h"
#include "base/sha256.h"

using namespace deadline::admin;

namespace {

const std::string kToken = "Xq3vN0cQ9m1pL7sR2tU5wY8zA4bC6dE0fG1hJ2kM3nP";  // 43 characters

}  // namespace

TEST_CASE("the admin token is accepted only as a bearer token") {
  const BearerAuth auth(kToken);
  CHECK(auth.check("Bearer " + kToken) == BearerCheck::ok);
  CHECK(auth.check("bearer " + kToken) == BearerCheck::ok);  // the scheme is case-insensitive
  CHECK(auth.check("BEARER  " + kToken + " ") == BearerCheck::ok);
  CHECK(auth.check("") == BearerCheck::missing);
  CHECK(auth.check("Bearer") == BearerCheck::missing);
  CHECK(auth.check("Bearer   ") == BearerCheck::missing);
  CHECK(auth.check("Basic " + kToken) == BearerCheck::missing);
  CHECK(auth.check(kToken) == BearerCheck::missing);
  CHECK(auth.check("Bearer" + kToken) == BearerCheck::missing);
}

TEST_CASE("a wrong token fails whatever its length and however much of it matches") {
  const BearerAuth auth(kToken);
  std::string same_length = kToken;
  same_length.back() = same_length.back() == 'P' ? 'Q' : 'P';
  CHECK(auth.check("Bearer " + same_length) == BearerCheck::wrong);
  CHECK(auth.check("Bearer " + kToken.substr(0, 42)) == BearerCheck::wrong);  // a prefix
  CHECK(auth.check("Bearer " + kToken + "x") == BearerCheck::wrong);          // longer
  CHECK(auth.check("Bearer x") == BearerCheck::wrong);
  CHECK(auth.check("Bearer " + std::string(4096, 'a')) == BearerCheck::wrong);
  CHECK(auth.check("Bearer " + kToken + " " + kToken) == BearerCheck::wrong);
  // The digests are compared, but the digest is not a token.
  CHECK(auth.check("Bearer " + deadline::sha256_hex(kToken)) == BearerCheck::wrong);
}

TEST_CASE("a generated admin token is 43 characters of base64url and new each time") {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string token = generate_admin_token();
    CHECK(token.size() == kGeneratedAdminTokenLength);
    CHECK(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          std::string::npos);
    CHECK(admin_token_problem(token).empty());
    seen.insert(token);
  }
  CHECK(seen.size() == 50);
}

TEST_CASE("a written admin token must be long enough, one word, visible ASCII") {
  CHECK(admin_token_problem("") == "the admin token file is empty");
  CHECK(admin_token_problem(std::string(31, 'a')) ==
        "the admin token is too short (31 characters; at least 32 are required)");
  CHECK(admin_token_problem(std::string(32, 'a')).empty());
  CHECK(admin_token_problem(std::string(512, 'a')).empty());
  CHECK(admin_token_problem(std::string(513, 'a')) == "the admin token is too long (at most 512 characters)");
  CHECK(admin_token_problem(std::string(20, 'a') + " " + std::string(20, 'b')) ==
        "the admin token must be one line of visible ASCII characters (no spaces)");
  CHECK_FALSE(admin_token_problem(std::string(40, 'a') + "\t").empty());
  CHECK_FALSE(admin_token_problem(std::string(40, 'a') + "\xc3\xa9").empty());
}
