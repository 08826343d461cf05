#pragma once
// gzip (RFC 1952) through zlib, for HTTP responses a client accepts compressed (calendar feeds).

#include <string>
#include <string_view>

namespace deadline {

// `bytes` as one gzip member at zlib's default level. Throws std::runtime_error if zlib fails
// (out of memory).
std::string gzip_compress(std::string_view bytes);

}  // namespace deadline
