#include "base/gzip.h"

#include <zlib.h>

#include <stdexcept>

namespace deadline {

std::string gzip_compress(std::string_view bytes) {
  z_stream stream{};
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("gzip: cannot start zlib");
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(bytes.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));  // zlib does not write it
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&stream, Z_FINISH);  // deflateBound: one call always finishes
  deflateEnd(&stream);
  if (status != Z_STREAM_END) throw std::runtime_error("gzip: zlib did not finish the stream");
  out.resize(stream.total_out);
  return out;
}

}  // namespace deadline
