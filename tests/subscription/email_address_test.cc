#include "subscription/email_address.h"

#include <doctest/doctest.h>

using namespace deadline;

TEST_CASE("plain addresses are accepted") {
  for (const char* ok : {"a@example.cn", "zhang.san+reminders@mail.example.com.cn", "o'neil@x-y.example"}) {
    CAPTURE(ok);
    CHECK(email_address_problem(ok).empty());
  }
}

TEST_CASE("anything that could break an SMTP command or a header is refused with the reason") {
  struct Row { const char* address; const char* problem; };
  const Row rows[] = {
      {"", "address is empty"},
      {"no-at.example.cn", "address has no @"},
      {"a@b@example.cn", "address has more than one @"},
      {"a\r\nRCPT TO:x@example.cn", "the part before @ has a character that is not allowed"},
      {"a b@example.cn", "the part before @ has a character that is not allowed"},
      {"<a>@example.cn", "the part before @ has a character that is not allowed"},
      {"a,b@example.cn", "the part before @ has a character that is not allowed"},
      {".a@example.cn", "the part before @ has a misplaced dot"},
      {"a..b@example.cn", "the part before @ has a misplaced dot"},
      {"a.@example.cn", "the part before @ has a misplaced dot"},
      {"a@localhost", "the domain needs at least one dot"},
      {"a@example..cn", "the domain has an empty or malformed label"},
      {"a@-example.cn", "the domain has an empty or malformed label"},
      {"a@exa mple.cn", "the domain has a character that is not allowed"},
      {"a@example.cn\r\nBcc: x", "the domain has a character that is not allowed"},
      {"张三@example.cn", "the part before @ has a character that is not allowed"},
      {"=?utf-8?q?x?=@example.cn", "the part before @ must not contain \"=?\""},
  };
  for (const Row& row : rows) {
    CAPTURE(row.address);
    CHECK(email_address_problem(row.address) == std::string(row.problem));
  }
  CHECK(email_address_problem(std::string(65, 'a') + "@example.cn") == "the part before @ must be 1 to 64 characters");
}
