// webhook_sink: a cheap webhook receiver for benchmarks that drive real deadlined processes
// (bench/nodes_bench.py). It listens on PORTS ephemeral ports of 127.0.0.1, reads each request
// with Beast's parser (headers and Content-Length body), answers "200 OK, Content-Length: 0"
// and keeps the connection alive: webhook_bench's receiver, as a process of its own, on one
// thread. It counts requests, notes the first and last one's arrival (CLOCK_REALTIME) and keeps
// every `webhook-id` seen, so a message sent twice (by two nodes, or again after a lost lease)
// shows as requests > distinct ids.
//
//   webhook_sink [PORTS] [--silent]
//       PORTS: how many ports (default 1). --silent: read requests and never answer (a receiver
//       that hangs: deliveries stay in flight until their timeout, so a benchmark can time a
//       fan-out without the deliveries it makes competing for the CPU).
//
// Prints "ports P1 P2 ..." once listening, then answers one line per command on standard input:
//   stats   -> "requests=R distinct=D unexpected=U first=T0 last=T1" (T: Unix seconds with
//              nanoseconds, 0 before the first request; unexpected: not POST /hook)
//   reset   -> "ok" (counters, times and ids forgotten)
// and exits when standard input ends.

#include <time.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "sink_listener.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

double now_realtime() {
  timespec t{};
  clock_gettime(CLOCK_REALTIME, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

struct Counters {
  std::int64_t requests = 0, unexpected = 0;
  double first = 0, last = 0;
  std::unordered_set<std::string> ids;

  void count(const http::request<http::string_body>& request) {
    const double at = now_realtime();
    if (requests == 0) first = at;
    last = at;
    ++requests;
    if (request.method() != http::verb::post || request.target() != "/hook") ++unexpected;
    ids.emplace(request["webhook-id"]);
  }
  void reset() { *this = Counters{}; }
};


// Standard input, a line at a time, on the same io_context: no locks anywhere.
class Commands {
 public:
  Commands(asio::io_context& io, Counters& counters) : io_(io), in_(io, ::dup(0)), out_(io, ::dup(1)), counters_(counters) {
    next();
  }

 private:
  void next() {
    asio::async_read_until(in_, input_, '\n', [this](const boost::system::error_code& ec, std::size_t) {
      if (ec) {
        io_.stop();  // standard input ended: the benchmark is done with us
        return;
      }
      std::istream lines(&input_);
      std::string command;
      std::getline(lines, command);
      reply_ = run(command) + "\n";
      asio::async_write(out_, asio::buffer(reply_), [this](const boost::system::error_code& wec, std::size_t) {
        if (wec) {
          io_.stop();
          return;
        }
        next();
      });
    });
  }

  std::string run(const std::string& command) {
    if (command == "reset") {
      counters_.reset();
      return "ok";
    }
    if (command == "stats") {
      char line[256];
      std::snprintf(line, sizeof line, "requests=%lld distinct=%zu unexpected=%lld first=%.6f last=%.6f",
                    static_cast<long long>(counters_.requests), counters_.ids.size(),
                    static_cast<long long>(counters_.unexpected), counters_.first, counters_.last);
      return line;
    }
    return "error unknown command: " + command;
  }

  asio::io_context& io_;
  asio::posix::stream_descriptor in_, out_;
  asio::streambuf input_;
  std::string reply_;
  Counters& counters_;
};

}  // namespace

int main(int argc, char** argv) {
  int ports = 1;
  bool silent = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--silent") {
      silent = true;
    } else {
      ports = std::atoi(argv[i]);
      if (ports < 1 || ports > 64) {
        std::fprintf(stderr, "usage: webhook_sink [PORTS (1-64)] [--silent]\n");
        return 2;
      }
    }
  }
  try {
    asio::io_context io(1);
    Counters counters;
    std::vector<std::unique_ptr<deadline::bench::SinkListener>> listeners;
    std::string line = "ports";
    for (int i = 0; i < ports; ++i) {
      listeners.push_back(std::make_unique<deadline::bench::SinkListener>(
          io, [&counters](const http::request<http::string_body>& r) { counters.count(r); }, silent));
      line += " " + std::to_string(listeners.back()->port());
    }
    std::cout << line << std::endl;
    Commands commands(io, counters);
    io.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "webhook_sink: %s\n", e.what());
    return 1;
  }
  return 0;
}
