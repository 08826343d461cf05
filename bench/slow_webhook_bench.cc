// Slow receivers (issue 22 §2): MESSAGES webhooks to ENDPOINTS endpoints spread over PORTS local
// receiver ports that each answer DELAY_MS after reading a request, drained by the real
// Dispatcher (StoreThread + SqliteStore, WebhookChannel signing, CurlMultiClient) until every
// message is recorded 'delivered'. There is no second sender to compare with: the baseline is
// the limit the settings allow,
//   min(MAX_IN_FLIGHT, ENDPOINTS × PER_ENDPOINT, PORTS × HOST_CONNECTIONS, CONNECTIONS) / delay,
// and the target is a drain rate of at least 0.8 × that limit.
//
//   ./build/bench/slow_webhook_bench [MESSAGES] [ENDPOINTS] [PORTS] [DELAY_MS] [MAX_IN_FLIGHT]
//                                    [PER_ENDPOINT] [HOST_CONNECTIONS]
//       defaults: 100000 1000 10 100 1000 4 100 (CONNECTIONS = MAX_IN_FLIGHT)
//
// Pinned as webhook_bench: the sender's threads on CPU 0, the receiver's one thread on CPU 1.
// Setup (not timed): a fresh database under /tmp; ENDPOINTS subscribers with one webhook each,
// endpoint i on port i mod PORTS; one trigger fired (one message per endpoint), then copied
// (MESSAGES / ENDPOINTS − 1) times with fresh ids and the same deliveries, so each endpoint has
// MESSAGES / ENDPOINTS pending messages, interleaved in the outbox as successive fan-outs leave them.

#include <SQLiteCpp/SQLiteCpp.h>
#include <curl/curl.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/temp_dir.h"
#include "bench_support.h"
#include "first_attempt_watch.h"
#include "delivery/curl_multi_client.h"
#include "delivery/dispatcher.h"
#include "delivery/webhook_channel.h"
#include "delivery/webhook_signature.h"
#include "store/forwarding_store.h"
#include "store/sqlite_store.h"
#include "store/store_thread.h"
#include "time/clock.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace store = deadline::store;
namespace delivery = deadline::delivery;
using tcp = asio::ip::tcp;
using deadline::bench::require;
using deadline::bench::seconds_between;
using Steady = std::chrono::steady_clock;

constexpr double kTargetRatio = 0.80;
constexpr int kSenderCpu = 0, kReceiverCpu = 1;
constexpr std::string_view kAnswer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

struct Settings {
  std::int64_t messages = 100000;
  std::int64_t endpoints = 1000;
  int ports = 10;
  int delay_ms = 100;
  int max_in_flight = 1000;
  int per_endpoint = 4;
  long host_connections = 100;
};

// PORTS listeners on one io_context and thread: each request is read whole (Beast's parser),
// answered 200 after the delay, and the connection kept alive. Counts requests and the most
// connections open at once.
class SlowReceiver {
 public:
  SlowReceiver(int ports, std::chrono::milliseconds delay) : delay_(delay) {
    acceptors_.reserve(static_cast<std::size_t>(ports));  // accept() keeps references to them
    for (int i = 0; i < ports; ++i) {
      acceptors_.emplace_back(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
      acceptors_.back().listen(4096);
      accept(acceptors_.back());
    }
    thread_.emplace(io_, kReceiverCpu);
  }
  SlowReceiver(const SlowReceiver&) = delete;
  SlowReceiver& operator=(const SlowReceiver&) = delete;

  std::vector<unsigned short> ports() const {
    std::vector<unsigned short> out;
    for (const tcp::acceptor& a : acceptors_) out.push_back(a.local_endpoint().port());
    return out;
  }
  bool pinned() const { return thread_->pinned(); }
  double cpu_seconds() { return thread_->cpu_seconds(); }
  std::int64_t requests() const { return requests_.load(); }
  int most_connections() const { return most_connections_.load(); }

 private:
  class Session : public std::enable_shared_from_this<Session> {
   public:
    Session(tcp::socket socket, SlowReceiver& owner) : socket_(std::move(socket)), timer_(owner.io_), owner_(owner) {}
    ~Session() { --owner_.connections_; }
    void read() {
      parser_.emplace();
      http::async_read(socket_, buffer_, *parser_, [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
        if (!ec) self->wait();
      });
    }

   private:
    void wait() {
      ++owner_.requests_;
      timer_.expires_after(owner_.delay_);
      timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec) return;
        asio::async_write(self->socket_, asio::buffer(kAnswer.data(), kAnswer.size()),
                          [self](const boost::system::error_code& e, std::size_t) {
                            if (!e) self->read();
                          });
      });
    }

    tcp::socket socket_;
    asio::steady_timer timer_;
    SlowReceiver& owner_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
  };

  void accept(tcp::acceptor& acceptor) {
    acceptor.async_accept([this, &acceptor](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec) return;
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      most_connections_.store(std::max(most_connections_.load(), ++connections_));
      std::make_shared<Session>(std::move(socket), *this)->read();
      accept(acceptor);
    });
  }

  asio::io_context io_;
  std::chrono::milliseconds delay_;
  std::vector<tcp::acceptor> acceptors_;
  std::atomic<std::int64_t> requests_{0};
  int connections_ = 0;  // receiver thread only
  std::atomic<int> most_connections_{0};
  std::optional<deadline::bench::ReceiverThread> thread_;  // last: stopped and joined first
};

// One fan-out, then copies of its messages with fresh ids (see the top of the file).
void prepare_database(store::SqliteStore& s, const Settings& settings, const std::vector<unsigned short>& ports,
                      const std::string& secret, const deadline::Trigger& trigger, deadline::Instant now) {
  deadline::bench::populate_and_fire(
      s, settings.endpoints, "webhook",
      [&ports](std::int64_t i) {
        return "http://127.0.0.1:" + std::to_string(ports[static_cast<std::size_t>(i) % ports.size()]) + "/hook";
      },
      secret, trigger, now);
  SQLite::Database& db = s.database();
  SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
  // A copy's id is the original's with its first four hex digits replaced by 'g' and the copy's
  // number (not hex, so never an original's): unique, and as random as the original's otherwise.
  const std::int64_t first = settings.endpoints;  // the fan-out's messages are rowids 1..ENDPOINTS
  SQLite::Statement messages(db,
                             "INSERT INTO messages (id, endpoint_id, due_at, created_at, state, next_attempt_at, "
                             "expires_at, updated_at) SELECT printf('g%03x', ?1) || substr(id, 5), endpoint_id, due_at, "
                             "created_at, 'pending', next_attempt_at, expires_at, updated_at FROM messages "
                             "WHERE rowid <= ?2 ORDER BY rowid");
  SQLite::Statement deliveries(db,
                               "INSERT INTO deliveries (message_id, endpoint_id, trigger_key, window_id, lead, closes_at) "
                               "SELECT printf('g%03x', ?1) || substr(d.message_id, 5), d.endpoint_id, "
                               "d.trigger_key || '#' || ?1, d.window_id, d.lead, d.closes_at FROM deliveries AS d "
                               "JOIN messages AS m ON m.id = d.message_id WHERE m.rowid <= ?2");
  const std::int64_t copies = settings.messages / settings.endpoints - 1;
  for (std::int64_t k = 1; k <= copies; ++k) {
    for (SQLite::Statement* q : {&messages, &deliveries}) {
      q->bind(1, k);
      q->bind(2, first);
      q->exec();
      q->reset();
    }
  }
  transaction.commit();
  {
    SQLite::Statement count(db, "SELECT count(*) FROM messages WHERE state = 'pending'");
    require(count.executeStep() && count.getColumn(0).getInt64() == settings.messages,
            "the database does not hold MESSAGES pending messages");
  }  // finished: a checkpoint waits for no statement of this connection
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

// Forwards to the SqliteStore and notices the commit that records the last delivered message.
class RecordWatch final : public store::ForwardingStore {
 public:
  RecordWatch(std::unique_ptr<store::SqliteStore> inner, std::int64_t expected, std::function<void()> all_recorded)
      : ForwardingStore(std::move(inner)), expected_(expected), all_recorded_(std::move(all_recorded)) {}
  store::SqliteStore& inner() { return static_cast<store::SqliteStore&>(target()); }
  deadline::Result<std::vector<std::int64_t>> record_attempts(const std::vector<store::AttemptResult>& results, deadline::Instant now,
                                                    const deadline::EndpointHealthPolicy& policy) override {
    auto r = ForwardingStore::record_attempts(results, now, policy);
    if (r.ok()) {
      for (const auto& a : results) recorded_ += a.outcome == store::AttemptResult::Outcome::delivered ? 1 : 0;
      if (recorded_ == expected_) all_recorded_();
    }
    return r;
  }

 private:
  std::int64_t expected_, recorded_ = 0;
  std::function<void()> all_recorded_;
};

int run(const Settings& settings) {
  const deadline::TempDir dir("slow_webhook_bench");
  const bool sender_pinned = deadline::bench::pin_this_thread(kSenderCpu);
  SlowReceiver receiver(settings.ports, std::chrono::milliseconds{settings.delay_ms});
  const long connections = settings.max_in_flight;
  const double at_once = std::min({static_cast<double>(settings.max_in_flight),
                                   static_cast<double>(settings.endpoints * settings.per_endpoint),
                                   static_cast<double>(settings.ports * settings.host_connections),
                                   static_cast<double>(connections)});
  const double limit = at_once / (settings.delay_ms / 1000.0);
  std::printf("%lld webhooks to %lld endpoints on %d receiver ports answering after %d ms; max_in_flight %d, "
              "per_endpoint %d, connections per host %ld, connections %ld; limit %.0f/s (%.0f at once)\n",
              static_cast<long long>(settings.messages), static_cast<long long>(settings.endpoints), settings.ports,
              settings.delay_ms, settings.max_in_flight, settings.per_endpoint, settings.host_connections, connections,
              limit, at_once);
  std::fflush(stdout);

  const auto calendar = deadline::bench::load_bench_calendar(dir.path() / "calendar");
  const deadline::Window& window = calendar->windows().front();
  const deadline::Programme* programme = calendar->find_programme(window.programme_id);
  require(programme != nullptr, "the bench window has no programme");
  const std::string secret = deadline::generate_webhook_secret();
  const deadline::Instant now = deadline::SystemClock{}.now();
  auto opened = store::SqliteStore::open(dir.path() / "slow.sqlite");
  require(opened.ok(), opened.ok() ? std::string() : opened.error());
  std::unique_ptr<store::SqliteStore> sqlite = std::move(opened).value();
  prepare_database(*sqlite, settings, receiver.ports(), secret, deadline::bench::trigger_for(window, *programme), now);

  asio::io_context io;
  std::optional<Steady::time_point> finished;
  std::function<void()> stop_all;
  auto watch_owner = std::make_unique<RecordWatch>(std::move(sqlite), settings.messages, [&io, &finished, &stop_all] {
    const auto at = Steady::now();  // on the store thread, as the commit returns
    asio::post(io, [&finished, &stop_all, at] {
      finished = at;
      stop_all();
    });
  });
  RecordWatch* watch = watch_owner.get();
  store::StoreThread store_thread(std::move(watch_owner));
  delivery::CurlMultiClient client(io, delivery::CurlMultiOptions{settings.host_connections, connections, "deadlined"});
  delivery::WebhookChannelOptions webhook;
  webhook.allow_hosts = {"127.0.0.1"};
  std::vector<std::unique_ptr<delivery::Channel>> channels;
  channels.push_back(std::make_unique<delivery::WebhookChannel>(webhook));
  deadline::SystemClock clock;
  delivery::DispatcherOptions options;
  options.max_in_flight = settings.max_in_flight;
  options.per_endpoint = settings.per_endpoint;
  delivery::Dispatcher dispatcher(io, store_thread, client, clock, [calendar] { return calendar; }, std::move(channels),
                                  options);

  // Any outcome but delivered stops the run (a retry would wait seconds), as does taking far too long.
  bool stopping = false;
  deadline::bench::FirstAttemptWatch first_attempts(
      io, dispatcher, settings.messages,
      Steady::now() + std::chrono::seconds{60} +
          std::chrono::microseconds{static_cast<std::int64_t>(4e6 * static_cast<double>(settings.messages) / limit)});
  stop_all = [&] {
    if (stopping) return;
    stopping = true;
    first_attempts.cancel();
    dispatcher.stop([&io] { io.stop(); });
  };

  const std::int64_t received_before = receiver.requests();
  const double receiver_cpu_start = receiver.cpu_seconds();
  const double cpu_start = deadline::bench::process_cpu_seconds();
  const auto start = Steady::now();
  dispatcher.start();
  first_attempts.start();
  io.run();
  const double receiver_cpu = receiver.cpu_seconds() - receiver_cpu_start;
  const double sender_cpu = deadline::bench::process_cpu_seconds() - cpu_start - receiver_cpu;
  store_thread.stop();
  require(first_attempts.failure().empty(), first_attempts.failure());
  require(finished.has_value(), "the run ended before every message was recorded");
  const double elapsed = seconds_between(start, *finished);

  const auto counts = watch->inner().message_counts();
  require(counts.ok(), "counting messages: " + (counts.ok() ? std::string() : counts.error()));
  const auto delivered = counts->count(deadline::MessageState::delivered) ? counts->at(deadline::MessageState::delivered) : 0;
  require(delivered == settings.messages && counts->size() == 1, "the database does not hold MESSAGES delivered messages");
  require(receiver.requests() - received_before == settings.messages, "the receiver miscounted the requests");

  const double rate = static_cast<double>(settings.messages) / elapsed;
  const double ratio = rate / limit;
  std::printf("drained                    : %10.3f s %12.0f messages/s (recorded delivered)\n", elapsed, rate);
  std::printf("limit                      : %10.0f at once / %.3f s = %.0f messages/s\n", at_once,
              settings.delay_ms / 1000.0, limit);
  std::printf("ratio drain / limit        : %10.2f   target >= %.2f: %s\n", ratio, kTargetRatio,
              deadline::bench::verdict(ratio, kTargetRatio));
  std::printf("sender CPU per message     : %10.1f us (%.3f s, every thread but the receiver's)\n",
              sender_cpu / static_cast<double>(settings.messages) * 1e6, sender_cpu);
  std::printf("receiver                   : %d connections at most; its core %.0f%% busy\n",
              receiver.most_connections(), 100 * receiver_cpu / elapsed);
  std::printf("pinning                    : %s\n", sender_pinned && receiver.pinned()
                                                      ? "the sender on CPU 0, the receiver on CPU 1"
                                                      : "NOT pinned");
  std::printf("RESULT name=webhook_slow value=%.6g unit=messages/s baseline=%.6g ratio=%.4f target=ratio>=%.2f met=%s\n",
              rate, limit, ratio, kTargetRatio, ratio >= kTargetRatio ? "yes" : "no");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 8) {
    std::fprintf(stderr,
                 "usage: %s [MESSAGES (100000)] [ENDPOINTS (1000)] [PORTS (10)] [DELAY_MS (100)] "
                 "[MAX_IN_FLIGHT (1000)] [PER_ENDPOINT (4)] [HOST_CONNECTIONS (100)]\n",
                 argv[0]);
    return 2;
  }
  Settings s;
  try {
    using deadline::bench::parse_positive;
    if (argc > 1) s.messages = parse_positive(argv[1], "MESSAGES", 10'000'000);
    if (argc > 2) s.endpoints = parse_positive(argv[2], "ENDPOINTS", 1'000'000);
    if (argc > 3) s.ports = static_cast<int>(parse_positive(argv[3], "PORTS", 100));
    if (argc > 4) s.delay_ms = static_cast<int>(parse_positive(argv[4], "DELAY_MS", 10'000));
    if (argc > 5) s.max_in_flight = static_cast<int>(parse_positive(argv[5], "MAX_IN_FLIGHT", 10'000));
    if (argc > 6) s.per_endpoint = static_cast<int>(parse_positive(argv[6], "PER_ENDPOINT", 1000));
    if (argc > 7) s.host_connections = static_cast<long>(parse_positive(argv[7], "HOST_CONNECTIONS", 10'000));
    if (s.messages % s.endpoints != 0) throw std::invalid_argument("MESSAGES must be a multiple of ENDPOINTS");
    if (s.messages / s.endpoints > 4096) throw std::invalid_argument("MESSAGES / ENDPOINTS must be at most 4096");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "slow_webhook_bench: %s\n", e.what());
    return 2;
  }
  // Both ends of every connection are in this process.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 1;
  int status = 1;
  try {
    status = run(s);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "slow_webhook_bench: %s\n", e.what());
  }
  curl_global_cleanup();
  return status;
}
