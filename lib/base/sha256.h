#pragma once
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace deadline {

// Lower-case hex SHA-256 of `bytes` (OpenSSL).
std::string sha256_hex(std::string_view bytes);

// SHA-256 of input given in pieces (a whole database's rows, say), without holding it all.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view bytes);
  // Lower-case hex of everything given so far; call once, at the end.
  std::string hex_digest();

 private:
  evp_md_ctx_st* context_;
};

}  // namespace deadline
