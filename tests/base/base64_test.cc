#include "base/base64.h"

#include <doctest/doctest.h>

#include <string>

using namespace deadline;

TEST_CASE("base64 encodes the RFC 4648 test vectors") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foob") == "Zm9vYg==");
  CHECK(base64_encode("fooba") == "Zm9vYmE=");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_encode(std::string("\xfb\xff\xbf", 3)) == "+/+/");
}

TEST_CASE("base64 decodes the RFC 4648 test vectors") {
  for (const char* plain : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    const Result<std::string> decoded = base64_decode(base64_encode(plain));
    REQUIRE(decoded.ok());
    CHECK(*decoded == plain);
  }
  CHECK(*base64_decode("+/+/") == std::string("\xfb\xff\xbf", 3));
}

TEST_CASE("base64 round-trips every byte value at every length modulo 3") {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(static_cast<unsigned char>(i));
  for (std::size_t cut = 0; cut < 3; ++cut) {
    const std::string bytes = all.substr(cut);
    const Result<std::string> decoded = base64_decode(base64_encode(bytes));
    REQUIRE(decoded.ok());
    CHECK(*decoded == bytes);
  }
}

TEST_CASE("base64 decoding refuses invalid characters") {
  for (const char* text : {"Zm9v YmFy", "Zm9v\nYmFy", "Zm9-", "Zm9_", "Zm9!", "Zm9\x80"}) {
    CAPTURE(text);
    const Result<std::string> decoded = base64_decode(text);
    REQUIRE_FALSE(decoded.ok());
    const bool says_what = decoded.error().find("invalid base64 character") != std::string::npos ||
                           decoded.error().find("multiple of 4") != std::string::npos;
    CHECK(says_what);
  }
  CHECK(base64_decode("Zm9-").error() == "invalid base64 character '-' at position 3");
  CHECK(base64_decode(std::string("Zm9\0", 4)).error() ==
        "invalid base64 character byte 0x00 at position 3");
}

TEST_CASE("base64 decoding refuses bad padding and lengths") {
  CHECK(base64_decode("Zg").error() == "base64 length 2 is not a multiple of 4");
  CHECK_FALSE(base64_decode("Zg=").ok());
  CHECK_FALSE(base64_decode("Zg===").ok());
  CHECK(base64_decode("Z===").error() == "base64 padding '=' at position 1 before the end");
  CHECK_FALSE(base64_decode("====").ok());
  CHECK_FALSE(base64_decode("Zg==Zm8=").ok());
  CHECK_FALSE(base64_decode("Z=g=").ok());
  // Non-zero unused bits: "Zh==" and "Zm9=" are not what any byte string encodes to.
  CHECK(base64_decode("Zh==").error() ==
        "non-canonical base64: unused bits before the padding are not zero");
  CHECK_FALSE(base64_decode("Zm9=").ok());
}
