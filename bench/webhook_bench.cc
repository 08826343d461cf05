// Webhook throughput into a local receiver: N pending messages, one per webhook endpoint, drained
// by the real Dispatcher (StoreThread + SqliteStore, WebhookChannel signing every request,
// CurlMultiClient on its delivery thread) until every message is recorded 'delivered' in the database.
// Baseline, measured in the same run against the same receiver: a plain libcurl multi loop
// (curl_multi_perform / curl_multi_poll, no Asio, no database, no signing) posting the same
// bodies and headers, prepared beforehand, with the same concurrency and connection limits.
// Target: deadlined delivers at least 0.7x the baseline's rate.
// Sender against sender: both senders run on CPU 0 and the receiver on CPU 1; each round reports
// the senders' CPU per message and how busy the receiver's core was (above 80%: INVALID).
//
//   ./build/bench/webhook_bench [MESSAGES] [ROUNDS] [MAX_IN_FLIGHT] [PER_ENDPOINT] [HOST_CONNECTIONS]
//       defaults: 20000, 1, and the daemon's 64, 4 and CurlMultiOptions' 8; medians reported
//   ./build/bench/webhook_bench --postgresql URI [MESSAGES] [ROUNDS] ...
//       the same with the store on PostgreSQL (PgStore): URI is a server's maintenance database
//       (tests/pg/pg_server.py start DIR writes one to DIR/uri); each round creates a database
//       there (webhook_bench_…), dropped at the end. The baseline and target are unchanged
//       (nothing of it touches a database). The PostgreSQL backend serving the store's
//       connection does the store's work, so it is a sender too: it is pinned to CPU 0 with the
//       other sender threads and its CPU counts in deadlined's per message. RESULT name=webhook_pg
//       (SQLite: name=webhook).
//
// The receiver is a minimal HTTP/1.1 keep-alive responder (Boost.Beast parser, a fixed
// "200 OK, Content-Length: 0" answer) on its own thread and io_context, listening on
// 127.0.0.1:0. Each round uses a fresh database in a new directory under /tmp
// (webhook_bench.XXXXXX, removed at the end, on failure too), and a fresh io_context, libcurl
// multi handle and connections on both sides; the sides alternate which goes first.
//
// To show where the time goes, the measured side runs through thin wrappers of the library's
// interfaces (Store, Channel, HttpClient; the library is used unchanged): each round prints the
// store thread's time in claim_ready and record_attempts, the channel's build time, the main
// thread's CPU and the mean number of requests in flight. It also times the library's
// CurlMultiClient alone (no dispatcher, no store, no signing) on the same requests; that figure
// is for the analysis and not part of the ratio.

#include <SQLiteCpp/SQLiteCpp.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <time.h>

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
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/temp_dir.h"
#include "bench_support.h"
#include "first_attempt_watch.h"
#include "sink_listener.h"
#include "pg_bench_support.h"
#include "calendar/loader.h"
#include "delivery/curl_multi_client.h"
#include "delivery/dispatcher.h"
#include "delivery/webhook_channel.h"
#include "delivery/webhook_event.h"
#include "delivery/webhook_signature.h"
#include "store/database_location.h"
#include "store/forwarding_store.h"
#include "store/sqlite_store.h"
#include "store/store_thread.h"
#include "time/clock.h"

namespace {

using deadline::bench::median;
using deadline::bench::CallStats;
using deadline::bench::kLead;
using deadline::bench::load_bench_calendar;
using deadline::bench::require;
using deadline::bench::seconds_between;
using deadline::bench::thread_cpu_seconds;
using deadline::bench::trigger_for;
using deadline::bench::open_store;
using deadline::bench::parse_positive;
using deadline::bench::seconds;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace store = deadline::store;
namespace delivery = deadline::delivery;
using tcp = asio::ip::tcp;
using deadline::Calendar;
using deadline::Instant;
using deadline::Result;
using deadline::EndpointHealthPolicy;
using deadline::EndpointKind;
using deadline::MessageState;
using deadline::RetentionPolicy;
using deadline::Trigger;
using Steady = std::chrono::steady_clock;

constexpr double kTargetRatio = 0.70;
// Both senders run on CPU 0, the receiver on CPU 1: the comparison is sender against sender.
constexpr int kSenderCpu = 0, kReceiverCpu = 1;
// A side whose run kept the receiver's core busier than this may have measured the receiver.
constexpr double kReceiverBusyLimit = 0.80;

// A fresh directory under /tmp, removed on the way out (also on failure).
class TempDir : public deadline::TempDir {
 public:
  TempDir() : deadline::TempDir("webhook_bench") {}
};




struct Settings {
  std::int64_t messages = 20000;
  int rounds = 1;
  int max_in_flight = 64;   // DispatcherOptions / the daemon's default
  int per_endpoint = 4;     // DispatcherOptions / the daemon's default
  long host_connections = delivery::CurlMultiOptions{}.max_host_connections;
  long total_connections = delivery::CurlMultiOptions{}.max_total_connections;
};

// ---------------------------------------------------------------------------------------------
// The receiver: accepts on 127.0.0.1:0, reads each request (headers and Content-Length body)
// with Beast's parser and answers 200 with an empty body, keeping the connection alive.

struct CapturedRequest {
  std::string id, timestamp, signature, body;
};

class Receiver {
 public:
  Receiver() { thread_.emplace(io_, kReceiverCpu); }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  unsigned short port() const { return listener_.port(); }
  bool pinned() const { return thread_->pinned(); }
  // The receiver thread's CPU time so far: its core's utilisation over a run.
  double cpu_seconds() { return thread_->cpu_seconds(); }
  std::int64_t requests() const { return requests_.load(); }
  std::int64_t unexpected() const { return unexpected_.load(); }
  // The next request is kept, to check its signature.
  void capture_next() {
    const std::lock_guard<std::mutex> lock(mutex_);
    captured_.reset();
    capture_ = true;
  }
  std::optional<CapturedRequest> captured() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return captured_;
  }

 private:
  void count(const http::request<http::string_body>& request) {
    if (request.method() != http::verb::post || request.target() != "/hook") ++unexpected_;
    ++requests_;
    if (!capture_.load(std::memory_order_relaxed)) return;
    const std::lock_guard<std::mutex> lock(mutex_);
    if (!capture_) return;
    capture_ = false;
    captured_ = CapturedRequest{std::string(request["webhook-id"]), std::string(request["webhook-timestamp"]),
                                std::string(request["webhook-signature"]), request.body()};
  }

  asio::io_context io_;
  std::atomic<std::int64_t> requests_{0}, unexpected_{0};
  std::atomic<bool> capture_{false};
  mutable std::mutex mutex_;
  std::optional<CapturedRequest> captured_;
  deadline::bench::SinkListener listener_{io_, [this](const http::request<http::string_body>& r) { count(r); }};
  std::optional<deadline::bench::ReceiverThread> thread_;  // last: stopped and joined first
};




// ---------------------------------------------------------------------------------------------
// Setup of one round (not timed): a fresh database, N active subscribers with one webhook
// endpoint each (all to the receiver, one secret), written with the columns add_subscriber /
// add_endpoint use in one transaction, then the trigger fired: N pending messages.

std::vector<std::string> prepare_database(store::SqliteStore& s, std::int64_t count, const std::string& url,
                                          const std::string& secret, const Trigger& trigger,
                                          Instant now) {
  SQLite::Database& db = s.database();
  deadline::bench::populate_and_fire(s, count, "webhook", [&url](std::int64_t) { return url; }, secret, trigger, now);
  std::vector<std::string> ids;
  SQLite::Statement q(db, "SELECT id FROM messages WHERE state = 'pending' ORDER BY rowid");
  while (q.executeStep()) ids.push_back(q.getColumn(0).getString());
  require(static_cast<std::int64_t>(ids.size()) == count, "the database does not hold one pending message each");
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  return ids;
}

// A round's store, set up as above (not timed), on either backend.
struct RoundStore {
  std::unique_ptr<deadline::bench::ScratchDatabase> database;  // PostgreSQL; first: dropped last
  std::unique_ptr<store::Store> store;
  std::vector<std::string> ids;  // the pending messages: the baseline posts the same ones
  int server_pid = 0;            // PostgreSQL: the backend serving the store's connection
  bool server_pinned = false;
};

// What differs between the two modes: where the store lives, and the result's name.
struct Backend {
  std::optional<std::string> server_uri;  // PostgreSQL's maintenance database; nullopt: SQLite
  const char* result_name() const { return server_uri ? "webhook_pg" : "webhook"; }
  const char* store_name() const { return server_uri ? "PostgreSQL" : "SQLite"; }
};

RoundStore open_round(const Backend& backend, const std::filesystem::path& dir, int round, std::int64_t count,
                      const std::string& url, const std::string& secret, const Trigger& trigger, Instant now) {
  RoundStore r;
  if (!backend.server_uri) {
    auto opened = store::SqliteStore::open(dir / ("round" + std::to_string(round + 1) + ".sqlite"));
    require(opened.ok(), opened.ok() ? std::string() : opened.error());
    std::unique_ptr<store::SqliteStore> sqlite = std::move(opened).value();
    r.ids = prepare_database(*sqlite, count, url, secret, trigger, now);
    r.store = std::move(sqlite);
    return r;
  }
  // The same rows as prepare_database's, written by COPY (pg_bench_support.h).
  r.database = std::make_unique<deadline::bench::ScratchDatabase>(*backend.server_uri, "webhook_bench");
  std::unique_ptr<deadline::pg::PgStore> pg = deadline::bench::open_pg_store(r.database->uri());
  deadline::pg::PgConnection connection = deadline::bench::connect_pg(r.database->uri());
  deadline::bench::copy_population(
      connection, count,
      [&url, &secret](std::int64_t i) {
        return deadline::bench::PopulationRow{"subscriber" + std::to_string(i) + "@example.cn",
                                              "hash-" + std::to_string(i), "webhook", url, secret, ""};
      },
      now);
  deadline::bench::fire_for_every_endpoint(*pg, count, trigger, now);
  const deadline::pg::PgResult pending =
      deadline::bench::exec_pg(connection, "SELECT id FROM messages WHERE state = 'pending' ORDER BY endpoint_id");
  for (int i = 0; i < pending.rows(); ++i) r.ids.push_back(pending.text(i, 0));
  require(static_cast<std::int64_t>(r.ids.size()) == count, "the database does not hold one pending message each");
  (void)r.database->checkpoint();  // as the SQLite mode's checkpoint: the run does not write the setup's pages
  r.server_pid = pg->connection().backend_pid();
  r.server_pinned = deadline::bench::pin_process(r.server_pid, kSenderCpu);
  r.store = std::move(pg);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Instruments for the measured side (the library is untouched; these wrap its interfaces).

// Forwards to the store (store/forwarding_store.h; SqliteStore or PgStore), timing the delivery
// calls, and notices the commit that records the last delivered message.
class TimedStore final : public store::ForwardingStore {
 public:
  TimedStore(std::unique_ptr<store::Store> inner, std::int64_t expected,
             std::function<void(Steady::time_point)> all_recorded)
      : ForwardingStore(std::move(inner)), expected_(expected), all_recorded_(std::move(all_recorded)) {}

  CallStats claims, records;
  std::int64_t recorded_delivered = 0;
  std::vector<int> claim_sizes;
  store::Store& inner() { return target(); }

  Result<std::vector<store::OutboundMessage>> claim_ready(Instant now, const std::vector<EndpointKind>& kinds,
                                                          int limit, int per_endpoint) override {
    const auto start = Steady::now();
    const double cpu = thread_cpu_seconds();
    auto r = ForwardingStore::claim_ready(now, kinds, limit, per_endpoint);
    const auto n = r.ok() ? static_cast<std::int64_t>(r->size()) : 0;
    claims.add(start, cpu, n);
    claim_sizes.push_back(static_cast<int>(n));
    return r;
  }
  Result<std::vector<std::int64_t>> record_attempts(const std::vector<store::AttemptResult>& results, Instant now,
                                                    const EndpointHealthPolicy& policy) override {
    const auto start = Steady::now();
    const double cpu = thread_cpu_seconds();
    auto r = ForwardingStore::record_attempts(results, now, policy);
    records.add(start, cpu, static_cast<std::int64_t>(results.size()));
    if (r.ok()) {
      for (const auto& a : results) {
        if (a.outcome == store::AttemptResult::Outcome::delivered) ++recorded_delivered;
      }
      if (recorded_delivered == expected_) all_recorded_(Steady::now());
    }
    return r;
  }
 private:
  std::int64_t expected_;
  std::function<void(Steady::time_point)> all_recorded_;
};

// Times the channel's build (event JSON + HMAC signature) on the main thread.
class TimedChannel final : public delivery::Channel {
 public:
  explicit TimedChannel(std::unique_ptr<delivery::Channel> inner) : inner_(std::move(inner)) {}
  mutable CallStats builds;
  EndpointKind kind() const override { return inner_->kind(); }
  deadline::Result<delivery::HttpRequest> build(const store::OutboundMessage& m, const Calendar& c,
                                                Instant now) const override {
    const auto start = Steady::now();
    auto r = inner_->build(m, c, now);
    builds.add_wall(start, 1);
    return r;
  }
  delivery::Verdict judge(const delivery::HttpResult& result) const override { return inner_->judge(result); }

 private:
  std::unique_ptr<delivery::Channel> inner_;
};

// Counts requests and their time from post() to the answer's callback (Little's law: the sum of
// those times over the elapsed time is the average number in flight).
class CountingClient final : public delivery::HttpClient {
 public:
  explicit CountingClient(delivery::HttpClient& inner) : inner_(inner) {}
  std::int64_t posts = 0;
  double latency_sum = 0;
  std::size_t max_in_flight = 0;
  void post(delivery::HttpRequest request, std::function<void(delivery::HttpResult)> done) override {
    ++posts;
    const auto start = Steady::now();
    inner_.post(std::move(request), [this, start, done = std::move(done)](delivery::HttpResult result) {
      latency_sum += seconds_between(start, Steady::now());
      done(std::move(result));
    });
    max_in_flight = std::max(max_in_flight, inner_.in_flight());
  }
  std::size_t in_flight() const override { return inner_.in_flight(); }

 private:
  delivery::HttpClient& inner_;
};

// ---------------------------------------------------------------------------------------------
// The measured side.

struct DeadlinedFigures {
  double seconds = 0;
  CallStats claims, records, builds;
  std::int64_t posts = 0;
  double latency_sum = 0;
  std::size_t max_in_flight = 0;
  double main_cpu = 0;
  double store_cpu = 0;     // the store thread's, over the run
  double delivery_cpu = 0;  // every other thread of the process but the receiver: CurlMultiClient's
                            // delivery thread (and libcurl's resolver threads, if any)
  double receiver_cpu = 0;  // the receiver thread's, over the run
  double server_cpu = 0;    // PostgreSQL: the backend serving the store's connection; 0 on SQLite
  std::vector<int> claim_sizes;
};

// `server_pid`: the PostgreSQL backend the store talks to (its CPU is the store's too), 0 on SQLite.
DeadlinedFigures run_deadlined(std::unique_ptr<store::Store> owned_store, int server_pid,
                               std::shared_ptr<const Calendar> calendar, Receiver& receiver,
                               const std::string& secret, const Settings& settings) {
  const std::int64_t n = settings.messages;
  asio::io_context io;
  std::optional<Steady::time_point> finished;
  std::function<void()> stop_all;  // set below, once the dispatcher exists

  auto timed_owner = std::make_unique<TimedStore>(std::move(owned_store), n, [&io, &finished, &stop_all](Steady::time_point at) {
    // On the store thread: the commit that recorded the last delivery has returned.
    asio::post(io, [&finished, &stop_all, at] {
      finished = at;
      stop_all();
    });
  });
  TimedStore* timed = timed_owner.get();
  store::StoreThread store_thread(std::move(timed_owner));
  delivery::CurlMultiClient curl(io, delivery::CurlMultiOptions{settings.host_connections,
                                                                settings.total_connections, "deadlined"});
  CountingClient client(curl);
  delivery::WebhookChannelOptions webhook;
  webhook.allow_hosts = {"127.0.0.1"};
  auto channel_owner = std::make_unique<TimedChannel>(std::make_unique<delivery::WebhookChannel>(webhook));
  TimedChannel* channel = channel_owner.get();
  std::vector<std::unique_ptr<delivery::Channel>> channels;
  channels.push_back(std::move(channel_owner));
  deadline::SystemClock clock;
  delivery::DispatcherOptions options;
  options.max_in_flight = settings.max_in_flight;
  options.per_endpoint = settings.per_endpoint;
  delivery::Dispatcher dispatcher(io, store_thread, client, clock, [calendar] { return calendar; },
                                  std::move(channels), options);

  // Stops the run at once on any outcome but delivered (a retry would wait minutes), or when it
  // takes far too long.
  deadline::bench::FirstAttemptWatch watch(io, dispatcher, n,
                                         Steady::now() + std::chrono::seconds{120} + std::chrono::milliseconds{20} * n);
  bool stopping = false;
  stop_all = [&] {
    if (stopping) return;
    stopping = true;
    watch.cancel();
    dispatcher.stop([&io] { io.stop(); });
  };

  const auto store_thread_cpu = [&store_thread] { return store_thread.call([](auto&) { return thread_cpu_seconds(); }); };
  const std::int64_t received_before = receiver.requests();
  receiver.capture_next();
  const double store_cpu_start = store_thread_cpu(), receiver_cpu_start = receiver.cpu_seconds();
  const double process_cpu_start = deadline::bench::process_cpu_seconds();
  const auto server_cpu = [server_pid] { return server_pid ? deadline::bench::process_cpu_seconds_of(server_pid) : 0.0; };
  const double server_cpu_start = server_cpu();
  const double cpu_start = thread_cpu_seconds();
  const auto start = Steady::now();
  dispatcher.start();
  watch.start();
  io.run();
  const double main_cpu = thread_cpu_seconds() - cpu_start;
  const double receiver_cpu = receiver.cpu_seconds() - receiver_cpu_start;
  const double store_cpu = store_thread_cpu() - store_cpu_start;
  const double process_cpu = deadline::bench::process_cpu_seconds() - process_cpu_start;
  const double backend_cpu = server_cpu() - server_cpu_start;
  store_thread.stop();  // joined: the store is ours to read from this thread now
  require(watch.failure().empty(), watch.failure());
  require(finished.has_value(), "the run ended before every message was recorded");

  DeadlinedFigures f;
  f.seconds = seconds_between(start, *finished);
  f.claims = timed->claims;
  f.records = timed->records;
  f.claim_sizes = timed->claim_sizes;
  f.builds = channel->builds;
  f.posts = client.posts;
  f.latency_sum = client.latency_sum;
  f.max_in_flight = client.max_in_flight;
  f.main_cpu = main_cpu;
  f.store_cpu = store_cpu;
  f.receiver_cpu = receiver_cpu;
  f.server_cpu = backend_cpu;
  f.delivery_cpu = std::max(0.0, process_cpu - main_cpu - store_cpu - receiver_cpu);

  // Checks: the database holds N delivered messages and nothing else; the receiver saw N
  // requests; a captured request carries a valid signature.
  const auto counts = timed->inner().message_counts();
  require(counts.ok(), "counting messages: " + (counts.ok() ? std::string() : counts.error()));
  const auto delivered = counts->count(MessageState::delivered) ? counts->at(MessageState::delivered) : 0;
  require(delivered == n && counts->size() == 1,
          "the database holds " + std::to_string(delivered) + " delivered messages of " + std::to_string(n) +
              " (and " + std::to_string(counts->size()) + " states)");
  const std::int64_t received = receiver.requests() - received_before;
  require(received == n, "the receiver saw " + std::to_string(received) + " requests for " + std::to_string(n) +
                             " delivered messages");
  const std::optional<CapturedRequest> sample = receiver.captured();
  require(sample.has_value(), "no request was captured");
  const deadline::Status verified = deadline::verify_webhook(secret, sample->id, sample->timestamp, sample->signature,
                                                             sample->body, clock.now());
  require(verified.ok(), "a delivered request's signature does not verify: " +
                             (verified.ok() ? std::string() : verified.error()));
  return f;
}

// ---------------------------------------------------------------------------------------------
// The baseline: plain libcurl multi, no Asio, no database, no signing; the bodies and headers
// are made before the clock starts. Easy handles are reused as transfers finish.

struct PreparedRequest {
  std::string body;
  std::vector<std::string> headers;
};

std::vector<PreparedRequest> prepare_requests(const std::vector<std::string>& ids, const Calendar& calendar,
                                              const std::string& secret, Instant now) {
  const deadline::Window& window = calendar.windows().front();
  const deadline::WebhookReminder reminder{calendar.find_programme(window.programme_id), &window, kLead};
  std::vector<PreparedRequest> requests;
  requests.reserve(ids.size());
  for (const std::string& id : ids) {
    const auto body = deadline::webhook_event_body(id, now, {reminder});
    require(body.ok(), "event body: " + (body.ok() ? std::string() : body.error()));
    const auto signature = deadline::sign_webhook({secret}, id, now, *body);
    require(signature.ok(), "signing: " + (signature.ok() ? std::string() : signature.error()));
    requests.push_back({*body,
                        {"Content-Type: application/json; charset=utf-8", "webhook-id: " + signature->id,
                         "webhook-timestamp: " + signature->timestamp,
                         "webhook-signature: " + signature->signature, "Expect:"}});
  }
  return requests;
}

std::size_t discard_body(char*, std::size_t size, std::size_t count, void*) { return size * count; }

struct BaselineSlot {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
};

struct BaselineFigures {
  double seconds = 0, cpu = 0, receiver_cpu = 0;
};

BaselineFigures run_baseline(const std::vector<PreparedRequest>& requests, Receiver& receiver, const std::string& url,
                             const Settings& settings) {
  const std::size_t n = requests.size();
  CURLM* multi = curl_multi_init();
  require(multi != nullptr, "curl_multi_init failed");
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, settings.host_connections);
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, settings.total_connections);
  std::vector<BaselineSlot> slots(static_cast<std::size_t>(settings.max_in_flight));
  for (BaselineSlot& s : slots) {
    s.easy = curl_easy_init();
    curl_easy_setopt(s.easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(s.easy, CURLOPT_POST, 1L);
    curl_easy_setopt(s.easy, CURLOPT_USERAGENT, "deadlined");
    curl_easy_setopt(s.easy, CURLOPT_WRITEFUNCTION, &discard_body);
    curl_easy_setopt(s.easy, CURLOPT_CONNECTTIMEOUT_MS, 10'000L);
    curl_easy_setopt(s.easy, CURLOPT_TIMEOUT_MS, 30'000L);
    curl_easy_setopt(s.easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s.easy, CURLOPT_PRIVATE, &s);
  }
  std::size_t next = 0, done = 0, ok = 0;
  std::string first_error;
  const auto start_one = [&](BaselineSlot& s) {
    const PreparedRequest& r = requests[next++];
    if (s.headers) curl_slist_free_all(s.headers);
    s.headers = nullptr;
    for (const std::string& h : r.headers) s.headers = curl_slist_append(s.headers, h.c_str());
    curl_easy_setopt(s.easy, CURLOPT_HTTPHEADER, s.headers);
    curl_easy_setopt(s.easy, CURLOPT_POSTFIELDS, r.body.data());
    curl_easy_setopt(s.easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    curl_multi_add_handle(multi, s.easy);
  };

  const std::int64_t received_before = receiver.requests();
  const double receiver_cpu_start = receiver.cpu_seconds();
  const double cpu_start = thread_cpu_seconds();
  const auto start = Steady::now();
  for (BaselineSlot& s : slots) {
    if (next < n) start_one(s);
  }
  while (done < n) {
    int running = 0;
    if (curl_multi_perform(multi, &running) != CURLM_OK) break;
    int queued = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &queued)) {
      if (m->msg != CURLMSG_DONE) continue;
      CURL* easy = m->easy_handle;
      const CURLcode code = m->data.result;
      long status = 0;
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
      if (code == CURLE_OK && status == 200) {
        ++ok;
      } else if (first_error.empty()) {
        first_error = code != CURLE_OK ? curl_easy_strerror(code) : "HTTP " + std::to_string(status);
      }
      ++done;
      char* slot = nullptr;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, &slot);
      curl_multi_remove_handle(multi, easy);
      if (next < n) start_one(*reinterpret_cast<BaselineSlot*>(slot));
    }
    if (done < n) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  BaselineFigures f;
  f.seconds = seconds_between(start, Steady::now());
  f.cpu = thread_cpu_seconds() - cpu_start;
  f.receiver_cpu = receiver.cpu_seconds() - receiver_cpu_start;
  for (BaselineSlot& s : slots) {
    curl_multi_remove_handle(multi, s.easy);
    curl_easy_cleanup(s.easy);
    if (s.headers) curl_slist_free_all(s.headers);
  }
  curl_multi_cleanup(multi);
  require(done == n, "the baseline's multi loop failed after " + std::to_string(done) + " transfers");
  require(ok == n, "the baseline got " + std::to_string(ok) + " answers 200 of " + std::to_string(n) +
                       (first_error.empty() ? "" : "; first failure: " + first_error));
  const std::int64_t received = receiver.requests() - received_before;
  require(received == static_cast<std::int64_t>(n),
          "the receiver saw " + std::to_string(received) + " baseline requests of " + std::to_string(n));
  return f;
}

// For the analysis only (not in the ratio): the library's CurlMultiClient on its own, posting
// the prepared requests with the same concurrency, no dispatcher, no store, no signing. It tells
// what the HTTP side of deadlined costs by itself.
struct ClientOnlyFigures {
  double seconds = 0, cpu = 0;
};

ClientOnlyFigures run_client_only(const std::vector<PreparedRequest>& requests, Receiver& receiver,
                                  const std::string& url, const Settings& settings) {
  asio::io_context io;
  delivery::CurlMultiClient client(io, delivery::CurlMultiOptions{settings.host_connections,
                                                                  settings.total_connections, "deadlined"});
  std::size_t next = 0, done = 0, ok = 0;
  std::string first_error;
  std::function<void()> post_next = [&] {
    const PreparedRequest& r = requests[next++];
    delivery::HttpRequest request;
    request.url = url;
    request.body = r.body;
    request.headers.assign(r.headers.begin(), r.headers.end() - 1);  // CurlMultiClient adds "Expect:"
    request.allow_hosts = {"127.0.0.1"};
    client.post(std::move(request), [&](delivery::HttpResult result) {
      ++done;
      if (result.status == 200) {
        ++ok;
      } else if (first_error.empty()) {
        first_error = result.error.empty() ? "HTTP " + std::to_string(result.status) : result.error;
      }
      if (next < requests.size()) post_next();
    });
  };
  const std::int64_t received_before = receiver.requests();
  // The process's CPU less the receiver's: the caller's thread and the client's delivery thread.
  const double cpu_start = deadline::bench::process_cpu_seconds() - receiver.cpu_seconds();
  const auto start = Steady::now();
  for (int i = 0; i < settings.max_in_flight && next < requests.size(); ++i) post_next();
  io.run();
  ClientOnlyFigures f;
  f.seconds = seconds_between(start, Steady::now());
  f.cpu = deadline::bench::process_cpu_seconds() - receiver.cpu_seconds() - cpu_start;
  require(ok == requests.size(), "CurlMultiClient alone got " + std::to_string(ok) + " answers 200 of " +
                                     std::to_string(requests.size()) +
                                     (first_error.empty() ? "" : "; first failure: " + first_error));
  require(receiver.requests() - received_before == static_cast<std::int64_t>(requests.size()),
          "the receiver miscounted CurlMultiClient's requests");
  return f;
}

// ---------------------------------------------------------------------------------------------

std::string percent(double part, double whole) {
  char text[32];
  std::snprintf(text, sizeof text, "%5.1f%%", whole > 0 ? 100.0 * part / whole : 0.0);
  return text;
}

void print_round_detail(const DeadlinedFigures& f) {
  const double claim_ms = f.claims.calls > 0 ? f.claims.wall / static_cast<double>(f.claims.calls) * 1e3 : 0;
  const double record_ms = f.records.calls > 0 ? f.records.wall / static_cast<double>(f.records.calls) * 1e3 : 0;
  std::printf("  store thread: claim_ready %lld calls, %lld claimed (mean %.1f), %.3f s wall (%s of the run; "
              "%.2f ms each), %.3f s CPU\n",
              static_cast<long long>(f.claims.calls), static_cast<long long>(f.claims.items),
              f.claims.calls > 0 ? static_cast<double>(f.claims.items) / static_cast<double>(f.claims.calls) : 0.0,
              f.claims.wall, percent(f.claims.wall, f.seconds).c_str(), claim_ms, f.claims.cpu);
  std::printf("                record_attempts %lld calls, %lld results, %.3f s wall (%s; %.2f ms each), "
              "%.3f s CPU\n",
              static_cast<long long>(f.records.calls), static_cast<long long>(f.records.items), f.records.wall,
              percent(f.records.wall, f.seconds).c_str(), record_ms, f.records.cpu);
  std::printf("  main thread:  %.3f s CPU (%s), of which channel build (JSON + HMAC) %.3f s wall; "
              "HTTP: mean in flight %.1f (max %zu), mean request %.2f ms\n",
              f.main_cpu, percent(f.main_cpu, f.seconds).c_str(), f.builds.wall, f.latency_sum / f.seconds,
              f.max_in_flight, f.posts > 0 ? f.latency_sum / static_cast<double>(f.posts) * 1e3 : 0.0);
  if (!f.claim_sizes.empty()) {
    const std::size_t k = f.claim_sizes.size();
    const auto mean_of = [&](std::size_t from, std::size_t to) {
      double sum = 0;
      for (std::size_t i = from; i < to; ++i) sum += f.claim_sizes[i];
      return to > from ? sum / static_cast<double>(to - from) : 0.0;
    };
    std::printf("  claim sizes:  first quarter mean %.1f, last quarter mean %.1f\n", mean_of(0, k / 4 + 1),
                mean_of(k - k / 4 - 1, k));
  }
}

int run(const Settings& settings, const Backend& backend) {
  const TempDir dir;  // declared first: removed after the databases are closed
  // Before any other thread starts: the store thread and libcurl's inherit CPU 0; the receiver
  // moves itself to CPU 1.
  const bool senders_pinned = deadline::bench::pin_this_thread(kSenderCpu);
  Receiver receiver;
  const bool pinned = senders_pinned && receiver.pinned();
  const std::string url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook";
  const std::string secret = deadline::generate_webhook_secret();
  const auto calendar = load_bench_calendar(dir.path() / "calendar");
  const deadline::Window& window = calendar->windows().front();
  const deadline::Programme* programme = calendar->find_programme(window.programme_id);
  require(programme != nullptr, "the bench window has no programme");
  const Trigger trigger = trigger_for(window, *programme);
  const std::int64_t n = settings.messages;

  std::printf("%lld webhook endpoints -> %s, %d round(s); max_in_flight %d, per_endpoint %d, "
              "host connections %ld; in %s\n",
              static_cast<long long>(n), url.c_str(), settings.rounds, settings.max_in_flight, settings.per_endpoint,
              settings.host_connections,
              backend.server_uri
                  ? ("a new database per round on PostgreSQL " + deadline::store::uri_without_password(*backend.server_uri))
                        .c_str()
                  : dir.path().c_str());
  std::fflush(stdout);

  std::vector<double> deadlined_times, baseline_times, client_only_times;
  std::vector<double> deadlined_cpu_us, baseline_cpu_us;  // sender CPU per delivered message
  double deadlined_busy = 0, baseline_busy = 0;           // the receiver core's, the highest of any round
  std::size_t body_bytes = 0;
  bool server_pinned = true;  // PostgreSQL: every round's backend was pinned with the senders
  for (int round = 0; round < settings.rounds; ++round) {
    const Instant now = deadline::SystemClock{}.now();
    RoundStore round_store = open_round(backend, dir.path(), round, n, url, secret, trigger, now);
    server_pinned = server_pinned && (!backend.server_uri || round_store.server_pinned);
    const std::vector<PreparedRequest> requests = prepare_requests(round_store.ids, *calendar, secret, now);
    body_bytes = requests.front().body.size();

    BaselineFigures baseline;
    DeadlinedFigures measured;
    if (round % 2 == 0) {
      measured = run_deadlined(std::move(round_store.store), round_store.server_pid, calendar, receiver, secret,
                               settings);
      baseline = run_baseline(requests, receiver, url, settings);
    } else {
      baseline = run_baseline(requests, receiver, url, settings);
      measured = run_deadlined(std::move(round_store.store), round_store.server_pid, calendar, receiver, secret,
                               settings);
    }
    const ClientOnlyFigures client_only = run_client_only(requests, receiver, url, settings);
    require(receiver.unexpected() == 0, "the receiver got requests other than POST /hook");
    deadlined_times.push_back(measured.seconds);
    baseline_times.push_back(baseline.seconds);
    client_only_times.push_back(client_only.seconds);
    std::printf("round %d: deadlined %.3f s, baseline %.3f s\n", round + 1, measured.seconds, baseline.seconds);
    print_round_detail(measured);
    std::printf("  baseline:     %.3f s CPU on its thread\n", baseline.cpu);
    // Every sender thread's CPU (RUSAGE_THREAD's clock), and how busy the receiver's core was.
    deadlined_cpu_us.push_back((measured.main_cpu + measured.store_cpu + measured.delivery_cpu + measured.server_cpu) /
                               static_cast<double>(n) * 1e6);
    baseline_cpu_us.push_back(baseline.cpu / static_cast<double>(n) * 1e6);
    deadlined_busy = std::max(deadlined_busy, measured.receiver_cpu / measured.seconds);
    baseline_busy = std::max(baseline_busy, baseline.receiver_cpu / baseline.seconds);
    char backend_part[48] = "";
    if (backend.server_uri) std::snprintf(backend_part, sizeof backend_part, " + PostgreSQL backend %.3f s", measured.server_cpu);
    std::printf("  sender CPU per message: deadlined %.1f us (main %.3f s + store %.3f s + delivery %.3f s%s), "
                "baseline %.1f us; receiver core busy: deadlined %s, baseline %s\n",
                deadlined_cpu_us.back(), measured.main_cpu, measured.store_cpu, measured.delivery_cpu,
                backend_part, baseline_cpu_us.back(),
                percent(measured.receiver_cpu, measured.seconds).c_str(),
                percent(baseline.receiver_cpu, baseline.seconds).c_str());
    std::printf("  for comparison: CurlMultiClient alone (no store, no signing) %.3f s, %.3f s CPU (caller and "
                "delivery threads)\n",
                client_only.seconds, client_only.cpu);
    std::fflush(stdout);
  }

  const deadline::bench::Comparison comparison = deadline::bench::compare(n, deadlined_times, baseline_times);
  const auto [deadlined_s, baseline_s, deadlined_rate, baseline_rate, ratio] = comparison;
  std::printf("\n");
  std::printf("messages                   : %10lld (one per webhook endpoint, signed, %zu-byte bodies)\n",
              static_cast<long long>(n), body_bytes);
  std::printf("rounds                     : %10d (medians below)\n", settings.rounds);
  std::printf("deadlined Dispatcher       : %10.3f s %12.0f messages/s (recorded delivered in %s)\n", deadlined_s,
              deadlined_rate, backend.store_name());
  std::printf("baseline plain curl multi  : %10.3f s %12.0f requests/s\n", baseline_s, baseline_rate);
  std::printf("ratio deadlined / baseline : %10.2f   target >= %.2f: %s\n", ratio, kTargetRatio,
              deadline::bench::verdict(ratio, kTargetRatio));
  const double client_only_s = median(client_only_times);
  std::printf("(CurlMultiClient alone     : %10.3f s %12.0f requests/s, %.2f x baseline; not in the ratio)\n",
              client_only_s, static_cast<double>(n) / client_only_s, baseline_s / client_only_s);
  std::printf("sender CPU per message     : deadlined %.1f us, baseline %.1f us (medians; %.2f x)\n",
              median(deadlined_cpu_us), median(baseline_cpu_us), median(deadlined_cpu_us) / median(baseline_cpu_us));
  std::printf("pinning                    : %s%s\n",
              pinned ? "both senders on CPU 0, the receiver on CPU 1"
                     : "NOT pinned (this machine has fewer than 2 CPUs, or affinity was refused)",
              !backend.server_uri ? ""
              : server_pinned     ? "; the PostgreSQL backend on CPU 0 (the server's other processes are not pinned)"
                                  : "; the PostgreSQL backend NOT pinned (affinity refused: run as root or the "
                                    "server's user)");
  const bool valid = std::max(deadlined_busy, baseline_busy) <= kReceiverBusyLimit;
  std::printf("receiver core busy (max)   : deadlined %.0f%%, baseline %.0f%%: %s\n", deadlined_busy * 100,
              baseline_busy * 100,
              valid ? "valid" : "INVALID: above 80%, the receiver rather than the sender may set the pace");
  deadline::bench::result_line(backend.result_name(), "messages/s", comparison, kTargetRatio);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  Backend backend;
  try {
    backend.server_uri = deadline::bench::take_postgresql_option(argc, argv);
    if (argc > 6) {
      std::fprintf(stderr,
                   "usage: %s [--postgresql URI] [MESSAGES (default 20000)] [ROUNDS (default 1)] "
                   "[MAX_IN_FLIGHT (default 64)] [PER_ENDPOINT (default 4)] [HOST_CONNECTIONS (default 8)]\n",
                   argv[0]);
      return 2;
    }
    if (argc > 1) settings.messages = parse_positive(argv[1], "MESSAGES");
    if (argc > 2) settings.rounds = static_cast<int>(parse_positive(argv[2], "ROUNDS", 1000));
    if (argc > 3) settings.max_in_flight = static_cast<int>(parse_positive(argv[3], "MAX_IN_FLIGHT", 10000));
    if (argc > 4) settings.per_endpoint = static_cast<int>(parse_positive(argv[4], "PER_ENDPOINT", 1000));
    if (argc > 5) settings.host_connections = static_cast<long>(parse_positive(argv[5], "HOST_CONNECTIONS", 1000));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "webhook_bench: %s\n", e.what());
    return 2;
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    std::fprintf(stderr, "webhook_bench: curl_global_init failed\n");
    return 1;
  }
  int status = 1;
  try {
    status = run(settings, backend);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "webhook_bench: %s\n", e.what());
    status = 1;
  }
  curl_global_cleanup();
  return status;
}
