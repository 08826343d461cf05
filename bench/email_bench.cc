// Email throughput into Postfix's smtp-sink: N pending reminder emails, one per email endpoint,
// drained by the real Dispatcher (StoreThread + SqliteStore, EmailChannel building every message,
// a CurlMultiClient for mail with the daemon's [email] connections (20) behind a RoutingClient) until every message is recorded 'delivered' in the database.
// Baseline, measured in the same run into the same sink: libcurl's own SMTP client in a plain
// multi loop (no Asio, store or building) sending the messages EmailChannel built beforehand,
// with the same connections and transfers in flight. libcurl sends one SMTP command at a time
// (no PIPELINING), so it, not smtp-source, is this design's ceiling.
// Target: deadlined delivers at least 0.85x the baseline's rate.
// For information, not in the ratio: Postfix's smtp-source with as many parallel sessions,
// each reusing its connection (-d), sending the same number of messages, each one a reminder
// email built by EmailChannel beforehand (-F).
// Sender against sender: both senders run on CPU 0 and smtp-sink on CPU 1; each round reports the
// senders' CPU per message and how busy the sink's core was (above 80%: INVALID).
//
//   ./build/bench/email_bench [MESSAGES] [ROUNDS] [CONNECTIONS] [SINK_DELAY_SECONDS]
//       defaults: 5000, 3, [email] connections, 0 (smtp-sink -w: it answers each DATA after that long)
//
// smtp-sink and smtp-source come with Debian's postfix package: scripts/install-bench-deps.sh
// installs it without configuring or starting an MTA. The sink is a child process listening on
// 127.0.0.1 at a port picked for it, started once for the run and stopped at the end (also on
// failure; it is also told to stop if this process dies); its running counters (-c: sessions,
// QUITs, messages) are read from its standard output and checked after every phase. Each round
// uses a fresh database in a new directory under /tmp (email_bench.XXXXXX, removed at the end, on
// failure too); the sides alternate which goes first.
//
// To show where the measured side's time goes (the library is used unchanged): the channel and
// the client are wrapped (build time, message sizes, time from post to answer), the store thread's
// CPU is read from /proc and the store's commits are counted with SQLite's commit hook. The
// library's mail CurlMultiClient is also timed alone on prebuilt messages (no dispatcher, store or
// building), for the analysis only: not part of the ratio.

#include <SQLiteCpp/SQLiteCpp.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/temp_dir.h"
#include "bench_support.h"
#include "first_attempt_watch.h"
#include "calendar/loader.h"
#include "config/config.h"
#include "delivery/curl_multi_client.h"
#include "delivery/dingtalk_channel.h"
#include "delivery/dispatcher.h"
#include "delivery/email_channel.h"
#include "delivery/feishu_channel.h"
#include "delivery/routing_client.h"
#include "delivery/webhook_channel.h"
#include "delivery/wecom_channel.h"
#include "store/sqlite_store.h"
#include "store/store_thread.h"
#include "subscription/tokens.h"
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
using deadline::bench::parse_positive;
using deadline::bench::seconds;

namespace asio = boost::asio;
namespace store = deadline::store;
namespace delivery = deadline::delivery;
namespace subscription = deadline::subscription;
using deadline::Calendar;
using deadline::Instant;
using deadline::Result;
using deadline::EndpointHealthPolicy;
using deadline::EndpointKind;
using deadline::MessageState;
using deadline::RetentionPolicy;
using deadline::Trigger;
using Steady = std::chrono::steady_clock;

constexpr double kTargetRatio = 0.85;  // of libcurl's own SMTP client at the same connections
// Both senders run on CPU 0 and smtp-sink on CPU 1 (as webhook_bench): sender against sender.
constexpr int kSenderCpu = 0, kSinkCpu = 1;
// A side whose run kept the sink's core busier than this may have measured the sink.
constexpr double kSinkBusyLimit = 0.80;
constexpr int kSinkBacklog = 256;

// A fresh directory under /tmp, removed on the way out (also on failure).
class TempDir : public deadline::TempDir {
 public:
  TempDir() : deadline::TempDir("email_bench") {}
};




double timeval_seconds(const timeval& t) {
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

struct Settings {
  std::int64_t messages = 5000;
  int rounds = 3;
  int max_in_flight = 64;                                        // the daemon's default
  int per_endpoint = 4;                                          // the daemon's default
  long mail_connections = deadline::Config::Email{}.connections;  // [email] connections
  // smtp-sink's -w: seconds it waits before answering each DATA, as a relay that scans or
  // queues remotely would (0: answers at once). What `connections` buys shows against it.
  int sink_delay_seconds = 0;
};

// An executable of the postfix package: /usr/sbin first (Debian puts them there, often outside
// a user's PATH), then PATH. Empty when missing.
std::string find_tool(const std::string& name) {
  const std::string sbin = "/usr/sbin/" + name;
  if (access(sbin.c_str(), X_OK) == 0) return sbin;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  return {};
}

// A user to run a child as: "nobody" when this process is root (smtp-sink refuses to run as root
// unless told whom to become), else nobody to switch to.
struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
};

std::optional<RunAs> unprivileged_user() {
  if (geteuid() != 0) return std::nullopt;
  const passwd* user = getpwnam("nobody");
  require(user != nullptr, "running as root, and there is no user 'nobody' to run smtp-sink as");
  return RunAs{user->pw_uid, user->pw_gid};
}

// fork + exec of `argv` (argv[0] the path), as `run_as` if given. The child gets SIGTERM if this
// thread ends first (set after any change of user, which would clear it); its standard output
// goes to `stdout_fd` when that is >= 0. Everything the child runs between fork and exec is
// async-signal-safe.
pid_t spawn(const std::vector<std::string>& args, int stdout_fd, int close_fd,
            const std::optional<RunAs>& run_as = std::nullopt) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    if (run_as && (setgroups(0, nullptr) != 0 || setgid(run_as->gid) != 0 || setuid(run_as->uid) != 0)) _exit(126);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    if (stdout_fd >= 0) dup2(stdout_fd, STDOUT_FILENO);
    if (stdout_fd >= 0 && stdout_fd != STDOUT_FILENO) close(stdout_fd);
    if (close_fd >= 0) close(close_fd);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// CPU seconds (user + system) used so far by a process or thread, from its stat file in /proc
// (10 ms ticks).
double proc_cpu_seconds(const std::string& stat_path) {
  std::ifstream in(stat_path);
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double process_cpu_seconds(pid_t pid) { return proc_cpu_seconds("/proc/" + std::to_string(pid) + "/stat"); }
double task_cpu_seconds(pid_t tid) { return proc_cpu_seconds("/proc/self/task/" + std::to_string(tid) + "/stat"); }

// A thread of this process by its name (pthread_setname_np), waiting briefly for it to be named.
std::optional<pid_t> thread_named(const std::string& name) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
      std::string comm;
      std::getline(std::ifstream(task.path() / "comm"), comm);
      if (comm == name) return static_cast<pid_t>(std::stol(task.path().filename().string()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{2});
  }
  return std::nullopt;
}

// SQLite's commit hook: counts the commits of the store's connection (on the store thread).
int count_commit(void* counter) {
  static_cast<std::atomic<std::int64_t>*>(counter)->fetch_add(1, std::memory_order_relaxed);
  return 0;  // go ahead with the commit
}

// ---------------------------------------------------------------------------------------------
// Postfix's smtp-sink as a child process on 127.0.0.1:PORT, accepting every message and throwing
// it away. With -c it prints "sess=S quit=Q mesg=M" and a carriage return whenever a session
// ends, a QUIT is executed or a message's final "." arrives; a thread reads them from a pipe.

struct SinkCounters {
  std::int64_t sessions = 0, quits = 0, messages = 0;
  bool operator==(const SinkCounters&) const = default;
};

class SmtpSink {
 public:
  SmtpSink(const std::string& path, int delay_seconds) : delay_seconds_(delay_seconds) {
    try {
      for (int attempt = 1;; ++attempt) {
        if (try_start(path)) return;
        stop();  // e.g. the port was taken in between: another one
        require(attempt < 5, "smtp-sink did not start listening on 127.0.0.1 (5 attempts; see its messages above)");
      }
    } catch (...) {
      stop();  // no destructor runs for a constructor that throws
      throw;
    }
  }
  ~SmtpSink() { stop(); }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  unsigned short port() const { return port_; }
  pid_t pid() const { return pid_; }
  SinkCounters counters() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return counters_;
  }
  double cpu_seconds() const { return process_cpu_seconds(pid_); }

  // Not timed: waits until the sink has counted `messages` messages (its output may lag the
  // replies it sends by a little), then until its counters stop changing (sessions end after the
  // client's QUIT), and returns them.
  SinkCounters settle(std::int64_t messages) const {
    const auto give_up = Steady::now() + std::chrono::seconds{10};
    SinkCounters c = counters();
    while (c.messages < messages && Steady::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds{5});
      c = counters();
    }
    const auto settle_by = Steady::now() + std::chrono::seconds{3};
    int unchanged = 0;
    while (unchanged < 4 && Steady::now() < settle_by) {
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
      const SinkCounters now = counters();
      unchanged = now == c ? unchanged + 1 : 0;
      c = now;
    }
    return c;
  }

 private:
  bool try_start(const std::string& path) {
    port_ = pick_port();
    int fds[2];
    require(pipe2(fds, O_CLOEXEC) == 0, std::string("pipe: ") + std::strerror(errno));
    // Not "-u nobody": smtp-sink would switch users itself, which clears the parent-death signal.
    std::vector<std::string> args = {path, "-c"};
    if (delay_seconds_ > 0) {
      args.push_back("-w");
      args.push_back(std::to_string(delay_seconds_));
    }
    args.push_back("127.0.0.1:" + std::to_string(port_));
    args.push_back(std::to_string(kSinkBacklog));
    try {
      pid_ = spawn(args, fds[1], fds[0], unprivileged_user());
    } catch (...) {
      close(fds[0]);
      close(fds[1]);
      throw;
    }
    close(fds[1]);
    output_ = fds[0];
    reader_ = std::thread([this] { read_counters(); });
    // Ready when it answers with its 220 greeting.
    const auto give_up = Steady::now() + std::chrono::seconds{5};
    while (Steady::now() < give_up) {
      if (exited()) return false;
      if (greets()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    return false;
  }

  static unsigned short pick_port() {
    const int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    require(s >= 0, std::string("socket: ") + std::strerror(errno));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    const bool ok = bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                    getsockname(s, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    close(s);
    require(ok, std::string("picking a free port: ") + std::strerror(errno));
    return ntohs(address.sin_port);
  }

  // Connects, expects "220", says QUIT.
  bool greets() const {
    const int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port_);
    timeval timeout{2, 0};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    bool ok = false;
    if (connect(s, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
      char greeting[512];
      const ssize_t n = recv(s, greeting, sizeof greeting, 0);
      ok = n >= 3 && std::string_view(greeting, 3) == "220";
      if (ok) {
        constexpr std::string_view quit = "QUIT\r\n";
        (void)send(s, quit.data(), quit.size(), MSG_NOSIGNAL);
        (void)recv(s, greeting, sizeof greeting, 0);
      }
    }
    close(s);
    return ok;
  }

  bool exited() {
    if (pid_ <= 0) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    return false;
  }

  void read_counters() {
    std::string pending;
    char buffer[4096];
    for (;;) {
      const ssize_t n = read(output_, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      pending.append(buffer, static_cast<std::size_t>(n));
      std::size_t end;
      while ((end = pending.find_first_of("\r\n")) != std::string::npos) {
        parse(pending.substr(0, end));
        pending.erase(0, end + 1);
      }
    }
  }

  void parse(const std::string& line) {
    long long s = 0, q = 0, m = 0;
    if (std::sscanf(line.c_str(), "sess=%lld quit=%lld mesg=%lld", &s, &q, &m) != 3) return;
    const std::lock_guard<std::mutex> lock(mutex_);
    counters_ = {s, q, m};
  }

  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      const auto give_up = Steady::now() + std::chrono::seconds{3};
      while (waitpid(pid_, &status, WNOHANG) == 0) {
        if (Steady::now() > give_up) {
          kill(pid_, SIGKILL);
          waitpid(pid_, &status, 0);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{10});
      }
      pid_ = -1;
    }
    if (reader_.joinable()) reader_.join();  // the pipe's writer has gone: read() returns 0
    if (output_ >= 0) close(output_);
    output_ = -1;
    const std::lock_guard<std::mutex> lock(mutex_);
    counters_ = {};
  }

  int delay_seconds_ = 0;
  unsigned short port_ = 0;
  pid_t pid_ = -1;
  int output_ = -1;
  std::thread reader_;
  mutable std::mutex mutex_;
  SinkCounters counters_;
};




std::string subscriber_address(std::int64_t i) { return "subscriber" + std::to_string(i) + "@example.cn"; }

// ---------------------------------------------------------------------------------------------
// Setup of one round (not timed): a fresh database, N active subscribers with one email endpoint
// each (to the subscriber's address), written with the columns add_subscriber / add_endpoint use
// in one transaction, then the trigger fired: N pending messages.

struct PendingMessage {
  std::string id;
  std::int64_t subscriber_id = 0;
  std::string address;
};

std::vector<PendingMessage> prepare_database(store::SqliteStore& s, std::int64_t count,
                                             const Trigger& trigger, Instant now) {
  SQLite::Database& db = s.database();
  deadline::bench::populate_and_fire(s, count, "email", subscriber_address, "", trigger, now);
  std::vector<PendingMessage> pending;
  SQLite::Statement q(db,
                      "SELECT m.id, e.subscriber_id, e.address FROM messages m JOIN endpoints e ON e.id = m.endpoint_id "
                      "WHERE m.state = 'pending' ORDER BY m.rowid");
  while (q.executeStep()) {
    pending.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt64(), q.getColumn(2).getString()});
  }
  require(static_cast<std::int64_t>(pending.size()) == count, "the database does not hold one pending message each");
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  return pending;
}

// The channel as the daemon configures it ([email] defaults), to the sink.
delivery::EmailChannelOptions email_options(unsigned short port) {
  const deadline::Config::Email defaults;
  delivery::EmailChannelOptions email;
  email.relay = "smtp://127.0.0.1:" + std::to_string(port);
  email.from_address = defaults.from_address;
  email.from_name = defaults.from_name;
  email.ehlo_name = defaults.ehlo_name;
  email.bounce_domain = defaults.bounce_domain;
  email.list_id = defaults.list_id;
  // The links' base as an operator sets it in production (an https address: List-Unsubscribe with
  // one-click), not the embedded default "http://127.0.0.1:8080".
  email.public_url = "https://deadlined.example.cn";
  email.connect_timeout = deadline::Config{}.connect_timeout;
  return email;
}

subscription::KeyRing make_key_ring() {
  std::random_device random;
  std::string secret(32, '\0');
  for (char& c : secret) c = static_cast<char>(random() & 0xFF);
  auto ring = subscription::KeyRing::create({subscription::TokenKey{1, secret}});
  require(ring.ok(), "key ring: " + (ring.ok() ? std::string() : ring.error()));
  return std::move(ring).value();
}

// The message as the dispatcher hands it to the channel (as claim_ready returns it).
store::OutboundMessage outbound_for(const PendingMessage& p, const Calendar& calendar, Instant now) {
  const deadline::Window& window = calendar.windows().front();
  store::OutboundMessage m;
  m.id = p.id;
  m.kind = EndpointKind::email;
  m.address = p.address;
  m.subscriber_id = p.subscriber_id;
  m.token_generation = 1;
  m.attempts = 1;
  m.due = now;
  m.expires = window.closes.at;
  m.items.push_back({window.id(), kLead, window.closes.at});
  return m;
}

// ---------------------------------------------------------------------------------------------
// Instruments for the measured side (the library is untouched). The Store is not wrapped (its
// interface grows with every feature); its thread's CPU is read from /proc (the thread is named
// "store") and its commits are counted with SQLite's commit hook.

// Times the channel's build (MIME message, tokens, VERP sender) on the main thread and adds up
// the sizes of the messages it builds.
class TimedChannel final : public delivery::Channel {
 public:
  explicit TimedChannel(std::unique_ptr<delivery::Channel> inner) : inner_(std::move(inner)) {}
  mutable CallStats builds;
  mutable std::int64_t bytes = 0;
  EndpointKind kind() const override { return inner_->kind(); }
  deadline::Result<delivery::HttpRequest> build(const store::OutboundMessage& m, const Calendar& c,
                                                Instant now) const override {
    const auto start = Steady::now();
    auto r = inner_->build(m, c, now);
    builds.add_wall(start, 1);
    if (r.ok()) bytes += static_cast<std::int64_t>(r->body.size());
    return r;
  }
  delivery::Verdict judge(const delivery::HttpResult& result) const override { return inner_->judge(result); }
  std::vector<delivery::RateLimit> rate_limits() const override { return inner_->rate_limits(); }

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
  std::function<void()> answered;  // after the dispatcher has taken each answer
  void post(delivery::HttpRequest request, std::function<void(delivery::HttpResult)> done) override {
    ++posts;
    const auto start = Steady::now();
    inner_.post(std::move(request), [this, start, done = std::move(done)](delivery::HttpResult result) {
      latency_sum += seconds_between(start, Steady::now());
      done(std::move(result));
      if (answered) answered();
    });
    max_in_flight = std::max(max_in_flight, inner_.in_flight());
  }
  std::size_t in_flight() const override { return inner_.in_flight(); }

 private:
  delivery::HttpClient& inner_;
};

// ---------------------------------------------------------------------------------------------
// The measured side: wired as daemon.cc wires it (every channel, a RoutingClient sending mail
// through a CurlMultiClient of its own with [email] connections as its limits).

struct PhaseSink {
  SinkCounters delta;
  double sink_cpu = 0;
};

SinkCounters minus(const SinkCounters& a, const SinkCounters& b) {
  return {a.sessions - b.sessions, a.quits - b.quits, a.messages - b.messages};
}

// What the sink saw during one phase: taken before the phase starts, read once the sink has
// counted the phase's messages; any other count fails the run, naming whose messages they were.
class SinkWatch {
 public:
  explicit SinkWatch(const SmtpSink& sink) : sink_(sink), before_(sink.settle(0)), cpu_before_(sink.cpu_seconds()) {}

  PhaseSink finish(std::int64_t n, const std::string& whose) const {
    PhaseSink phase;
    phase.delta = minus(sink_.settle(before_.messages + n), before_);
    phase.sink_cpu = sink_.cpu_seconds() - cpu_before_;
    require(phase.delta.messages == n, "smtp-sink counted " + std::to_string(phase.delta.messages) +
                                           " messages for " + whose + " " + std::to_string(n));
    return phase;
  }

 private:
  const SmtpSink& sink_;
  SinkCounters before_;
  double cpu_before_;
};

// A side that only sends (smtp-source, libcurl's client, CurlMultiClient alone): its time, its
// CPU and what the sink saw.
struct SenderFigures {
  double seconds = 0, cpu = 0;
  PhaseSink sink;
};

struct DeadlinedFigures {
  double seconds = 0;
  CallStats builds;
  std::int64_t bytes = 0;
  std::int64_t commits = 0;
  std::optional<double> store_cpu;  // none when the store thread was not found by name
  std::int64_t posts = 0;
  double latency_sum = 0;
  std::size_t max_in_flight = 0;
  double main_cpu = 0;
  // Every other thread of this process over the run: CurlMultiClient's delivery threads, where
  // libcurl runs (the process's CPU clock less the main and store threads').
  double delivery_cpu = 0;
  PhaseSink sink;
};

DeadlinedFigures run_deadlined(std::unique_ptr<store::SqliteStore> sqlite, std::shared_ptr<const Calendar> calendar,
                               const SmtpSink& sink, const subscription::KeyRing& keys, const Settings& settings) {
  const std::int64_t n = settings.messages;
  const SinkWatch sink_watch(sink);
  DeadlinedFigures f;
  Steady::time_point start;
  std::optional<Steady::time_point> finished;
  std::string failure;
  delivery::DispatcherCounters outcome;
  std::atomic<std::int64_t> commits{0};  // outlives the store (its commit hook points here)
  store::SqliteStore* sqlite_store = sqlite.get();
  sqlite3_commit_hook(sqlite->database().getHandle(), &count_commit, &commits);
  store::StoreThread store_thread(std::move(sqlite));
  {
    asio::io_context io;
    delivery::CurlMultiClient http_client(io);
    delivery::CurlMultiClient mail_client(
        io, delivery::CurlMultiOptions{settings.mail_connections, settings.mail_connections, "deadlined"});
    delivery::RoutingClient outbound(http_client, mail_client);
    CountingClient client(outbound);

    std::vector<std::unique_ptr<delivery::Channel>> channels;
    const delivery::WebhookChannelOptions webhook;
    channels.push_back(std::make_unique<delivery::WebhookChannel>(webhook));
    const delivery::RobotChannelOptions robot{webhook.connect_timeout, webhook.total_timeout,
                                              webhook.max_response_bytes, webhook.allow_hosts};
    channels.push_back(std::make_unique<delivery::WeComChannel>(robot));
    channels.push_back(std::make_unique<delivery::DingTalkChannel>(robot));
    channels.push_back(std::make_unique<delivery::FeishuChannel>(robot));
    auto email_owner =
        std::make_unique<TimedChannel>(std::make_unique<delivery::EmailChannel>(email_options(sink.port()), keys));
    TimedChannel* channel = email_owner.get();
    channels.push_back(std::move(email_owner));

    deadline::SystemClock clock;
    delivery::DispatcherOptions options;
    options.max_in_flight = settings.max_in_flight;
    options.per_endpoint = settings.per_endpoint;
    delivery::Dispatcher dispatcher(io, store_thread, client, clock, [calendar] { return calendar; },
                                    std::move(channels), options);

    // The end: once the dispatcher has taken the N-th delivered answer, it is stopped; it calls
    // back when nothing is in flight or claimed and every result is committed, i.e. when the
    // commit that records the last delivery has returned.
    // The loop must not run dry while the store thread commits (its answer is not work the
    // io_context knows of): a work guard, and the watch below keeps running until the end.
    const auto keep_running = asio::make_work_guard(io);
    bool stopping = false;
    const auto stop_all = [&] {
      if (stopping) return;
      stopping = true;
      dispatcher.stop([&] {
        finished = Steady::now();
        io.stop();
      });
    };
    client.answered = [&] {
      if (dispatcher.counters().delivered == n) stop_all();
    };

    // Stops the run at once on any outcome but delivered (a retry would wait minutes), or when it
    // takes far too long.
    deadline::bench::FirstAttemptWatch watch(io, dispatcher, n,
                                             Steady::now() + std::chrono::seconds{120} + std::chrono::milliseconds{20} * n);

    const std::optional<pid_t> store_tid = thread_named("store");
    const double store_cpu_start = store_tid ? task_cpu_seconds(*store_tid) : 0;
    const double process_cpu_start = deadline::bench::process_cpu_seconds();
    const double cpu_start = thread_cpu_seconds();
    const std::int64_t commits_before = commits.load();
    start = Steady::now();
    dispatcher.start();
    watch.start();
    io.run();
    f.main_cpu = thread_cpu_seconds() - cpu_start;
    f.commits = commits.load() - commits_before;
    if (store_tid) f.store_cpu = task_cpu_seconds(*store_tid) - store_cpu_start;
    f.delivery_cpu = std::max(0.0, deadline::bench::process_cpu_seconds() - process_cpu_start - f.main_cpu -
                                       f.store_cpu.value_or(0.0));
    // Joined before the io_context goes (on a failure the store thread may still be answering to
    // it); the store is then ours to read from this thread.
    store_thread.stop();
    failure = watch.failure();
    outcome = dispatcher.counters();
    f.builds = channel->builds;
    f.bytes = channel->bytes;
    f.posts = client.posts;
    f.latency_sum = client.latency_sum;
    f.max_in_flight = client.max_in_flight;
  }  // the clients close their connections to the sink here (QUIT)
  require(failure.empty(), failure);
  require(finished.has_value(), "the run ended before every message was recorded (" +
                                    std::to_string(outcome.delivered) + " of " + std::to_string(n) +
                                    " delivered, " + std::to_string(f.posts) + " sent)");
  require(outcome.delivered == n && outcome.retried + outcome.dead + outcome.expired == 0,
          "the dispatcher counted " + std::to_string(outcome.delivered) + " delivered of " + std::to_string(n));
  f.seconds = seconds_between(start, *finished);

  // Checks: the database holds N delivered messages and nothing else; the sink counted N
  // messages.
  const auto counts = sqlite_store->message_counts();
  require(counts.ok(), "counting messages: " + (counts.ok() ? std::string() : counts.error()));
  const auto delivered = counts->count(MessageState::delivered) ? counts->at(MessageState::delivered) : 0;
  require(delivered == n && counts->size() == 1,
          "the database holds " + std::to_string(delivered) + " delivered messages of " + std::to_string(n) +
              " (and " + std::to_string(counts->size()) + " states)");
  f.sink = sink_watch.finish(n, "deadlined's");
  return f;
}

// ---------------------------------------------------------------------------------------------
// For information (not in the ratio): smtp-source -d -s SESSIONS -m N -F FILE, timed from fork
// to its exit. It pipelines SMTP commands, which libcurl does not.

SenderFigures run_baseline(const std::string& smtp_source, const std::filesystem::path& message_file,
                             const SmtpSink& sink, const Settings& settings) {
  const std::int64_t n = settings.messages;
  const deadline::Config::Email defaults;
  const std::vector<std::string> args = {smtp_source,
                                         "-d",  // reuse each session's connection for the next message
                                         "-s", std::to_string(settings.mail_connections),
                                         "-m", std::to_string(n),
                                         "-F", message_file.string(),
                                         "-M", defaults.ehlo_name,
                                         "-f", "bounces@" + delivery::domain_of(defaults.from_address),
                                         "-t", subscriber_address(0),
                                         "127.0.0.1:" + std::to_string(sink.port())};
  const SinkWatch sink_watch(sink);
  SenderFigures f;
  const auto start = Steady::now();
  const pid_t pid = spawn(args, -1, -1);
  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0) {
    require(errno == EINTR, std::string("waiting for smtp-source: ") + std::strerror(errno));
  }
  f.seconds = seconds_between(start, Steady::now());
  f.cpu = timeval_seconds(usage.ru_utime) + timeval_seconds(usage.ru_stime);
  require(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "smtp-source failed (" +
              (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                 : "signal " + std::to_string(WTERMSIG(status))) +
              "; see its messages above)");
  f.sink = sink_watch.finish(n, "smtp-source's");
  return f;
}

// ---------------------------------------------------------------------------------------------
// The baseline: libcurl's own SMTP client in a plain multi loop (curl_multi_perform /
// curl_multi_poll; no Asio, no database, no building), sending the messages deadlined built, with
// the same connections to the sink (CURLMOPT_MAX_HOST_CONNECTIONS) and transfers in flight.
// libcurl sends one SMTP command at a time (no PIPELINING), so this, not smtp-source, is the
// ceiling of a sender built on libcurl.

struct SmtpUpload {
  const std::string* body = nullptr;
  std::size_t sent = 0;
  curl_slist* recipients = nullptr;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* data) {
  auto* upload = static_cast<SmtpUpload*>(data);
  const std::size_t n = std::min(size * count, upload->body->size() - upload->sent);
  std::memcpy(buffer, upload->body->data() + upload->sent, n);
  upload->sent += n;
  return n;
}

SenderFigures run_libcurl_smtp(const std::vector<delivery::HttpRequest>& requests, const SmtpSink& sink,
                                const Settings& settings) {
  const SinkWatch sink_watch(sink);
  CURLM* multi = curl_multi_init();
  require(multi != nullptr, "curl_multi_init failed");
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, settings.mail_connections);
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, settings.mail_connections);
  std::vector<SmtpUpload> uploads(requests.size());
  std::vector<CURL*> idle;  // easy handles are reused as transfers finish
  std::size_t next = 0, finished = 0, ok = 0;
  std::string first_error;
  const auto start_next = [&] {
    const std::size_t i = next++;
    CURL* easy = idle.empty() ? curl_easy_init() : idle.back();
    if (!idle.empty()) idle.pop_back();
    require(easy != nullptr, "curl_easy_init failed");
    const delivery::HttpRequest& r = requests[i];
    SmtpUpload& upload = uploads[i];
    upload.body = &r.body;
    upload.recipients = curl_slist_append(nullptr, ("<" + r.mail->recipient + ">").c_str());
    const std::string sender = "<" + r.mail->sender + ">";  // copied by libcurl
    curl_easy_setopt(easy, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(easy, CURLOPT_MAIL_FROM, sender.c_str());
    curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, upload.recipients);
    curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(easy, CURLOPT_READFUNCTION, &read_upload);
    curl_easy_setopt(easy, CURLOPT_READDATA, &upload);
    curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, &upload);
    curl_multi_add_handle(multi, easy);
  };
  SenderFigures f;
  const double cpu_start = thread_cpu_seconds();
  const auto start = Steady::now();
  for (int i = 0; i < settings.max_in_flight && next < requests.size(); ++i) start_next();
  while (finished < requests.size()) {
    int running = 0;
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      CURL* easy = message->easy_handle;
      char* data = nullptr;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, &data);
      auto* upload = reinterpret_cast<SmtpUpload*>(data);
      if (message->data.result == CURLE_OK) {
        ++ok;
      } else if (first_error.empty()) {
        first_error = curl_easy_strerror(message->data.result);
      }
      curl_multi_remove_handle(multi, easy);
      curl_slist_free_all(upload->recipients);
      upload->recipients = nullptr;
      idle.push_back(easy);
      ++finished;
      if (next < requests.size()) start_next();
    }
    if (finished < requests.size()) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  f.seconds = seconds_between(start, Steady::now());
  f.cpu = thread_cpu_seconds() - cpu_start;
  for (CURL* easy : idle) curl_easy_cleanup(easy);
  curl_multi_cleanup(multi);
  require(ok == requests.size(), "libcurl's SMTP client got " + std::to_string(ok) + " messages accepted of " +
                                     std::to_string(requests.size()) +
                                     (first_error.empty() ? "" : "; first failure: " + first_error));
  const auto n = static_cast<std::int64_t>(requests.size());
  f.sink = sink_watch.finish(n, "libcurl's");
  return f;
}

// ---------------------------------------------------------------------------------------------
// For the analysis only (not in the ratio): the library's mail CurlMultiClient on its own, sending
// messages built beforehand with the same connections and in-flight count; no dispatcher, store
// or building. It tells what the SMTP side of deadlined costs by itself.

SenderFigures run_client_only(const std::vector<delivery::HttpRequest>& requests, const SmtpSink& sink,
                                  const Settings& settings) {
  const SinkWatch sink_watch(sink);
  SenderFigures f;
  std::size_t ok = 0;
  std::string first_error;
  {
    asio::io_context io;
    delivery::CurlMultiClient client(
        io, delivery::CurlMultiOptions{settings.mail_connections, settings.mail_connections, "deadlined"});
    std::size_t next = 0;
    std::function<void()> post_next = [&] {
      client.post(requests[next++], [&](delivery::HttpResult result) {
        if (result.error.empty() && result.status >= 200 && result.status < 300) {
          ++ok;
        } else if (first_error.empty()) {
          first_error = "SMTP " + std::to_string(result.status) + " " + result.error;
        }
        if (next < requests.size()) post_next();
      });
    };
    // The process's CPU: the caller's thread and the client's delivery thread (the sink is
    // another process).
    const double cpu_start = deadline::bench::process_cpu_seconds();
    const auto start = Steady::now();
    for (int i = 0; i < settings.max_in_flight && next < requests.size(); ++i) post_next();
    io.run();
    f.seconds = seconds_between(start, Steady::now());
    f.cpu = deadline::bench::process_cpu_seconds() - cpu_start;
  }
  require(ok == requests.size(), "CurlMultiClient alone got " + std::to_string(ok) + " messages accepted of " +
                                     std::to_string(requests.size()) +
                                     (first_error.empty() ? "" : "; first failure: " + first_error));
  const auto n = static_cast<std::int64_t>(requests.size());
  f.sink = sink_watch.finish(n, "CurlMultiClient's");
  return f;
}

// ---------------------------------------------------------------------------------------------

std::string percent(double part, double whole) {
  char text[32];
  std::snprintf(text, sizeof text, "%5.1f%%", whole > 0 ? 100.0 * part / whole : 0.0);
  return text;
}

std::string sink_line(const PhaseSink& s) {
  char text[160];
  std::snprintf(text, sizeof text, "sink counted %lld messages in %lld sessions (%lld QUIT), %.2f s sink CPU",
                static_cast<long long>(s.delta.messages), static_cast<long long>(s.delta.sessions),
                static_cast<long long>(s.delta.quits), s.sink_cpu);
  return text;
}

void print_round_detail(const DeadlinedFigures& f) {
  char store_cpu[64] = "n/a (no thread named \"store\")";
  if (f.store_cpu) {
    std::snprintf(store_cpu, sizeof store_cpu, "%.3f s CPU (%s of the run)", *f.store_cpu,
                  percent(*f.store_cpu, f.seconds).c_str());
  }
  std::printf("  store thread: %s; %lld commits (claims and results), %.1f messages per commit\n", store_cpu,
              static_cast<long long>(f.commits),
              static_cast<double>(f.posts) / static_cast<double>(std::max<std::int64_t>(f.commits, 1)));
  std::printf("  main thread:  %.3f s CPU (%s), of which channel build (MIME + tokens) %.3f s wall; "
              "SMTP: mean in flight %.1f (max %zu), mean message %.2f ms from post to answer\n",
              f.main_cpu, percent(f.main_cpu, f.seconds).c_str(), f.builds.wall, f.latency_sum / f.seconds,
              f.max_in_flight, f.posts > 0 ? f.latency_sum / static_cast<double>(f.posts) * 1e3 : 0.0);
  std::printf("  deadlined:    %s\n", sink_line(f.sink).c_str());
}

int run(const Settings& settings, const std::string& smtp_sink, const std::string& smtp_source) {
  const TempDir dir;  // declared first: removed after the databases are closed
  // Before any other thread or process starts: the store thread, libcurl and smtp-source
  // inherit CPU 0; the sink is moved to CPU 1.
  const bool senders_pinned = deadline::bench::pin_this_thread(kSenderCpu);
  SmtpSink sink(smtp_sink, settings.sink_delay_seconds);
  const bool pinned = senders_pinned && deadline::bench::pin_process(sink.pid(), kSinkCpu);
  const subscription::KeyRing keys = make_key_ring();
  const auto calendar = load_bench_calendar(dir.path() / "calendar");
  const deadline::Window& window = calendar->windows().front();
  const deadline::Programme* programme = calendar->find_programme(window.programme_id);
  require(programme != nullptr, "the bench window has no programme");
  const Trigger trigger = trigger_for(window, *programme);
  const std::int64_t n = settings.messages;
  const delivery::EmailChannel builder(email_options(sink.port()), keys);  // the baseline's message, the client-only run

  std::printf("%lld email endpoints -> smtp-sink (pid %d) on 127.0.0.1:%u answering DATA after %d s, %d round(s); "
              "max_in_flight %d, per_endpoint %d, mail connections %ld; in %s\n",
              static_cast<long long>(n), static_cast<int>(sink.pid()), static_cast<unsigned>(sink.port()),
              settings.sink_delay_seconds, settings.rounds, settings.max_in_flight, settings.per_endpoint,
              settings.mail_connections, dir.path().c_str());
  std::fflush(stdout);

  std::vector<double> deadlined_times, baseline_times, source_times, client_only_times;
  std::vector<double> deadlined_cpu_us, baseline_cpu_us;  // sender CPU per message
  double deadlined_busy = 0, baseline_busy = 0;           // the sink's core, the highest of any round
  std::int64_t deadlined_bytes = 0;
  std::size_t baseline_bytes = 0;
  for (int round = 0; round < settings.rounds; ++round) {
    const Instant now = deadline::SystemClock{}.now();
    auto opened = store::SqliteStore::open(dir.path() / ("round" + std::to_string(round + 1) + ".sqlite"));
    require(opened.ok(), opened.ok() ? std::string() : opened.error());
    std::unique_ptr<store::SqliteStore> sqlite = std::move(opened).value();
    const std::vector<PendingMessage> pending = prepare_database(*sqlite, n, trigger, now);

    // Every message built beforehand, for the client-only run; one from the middle, with LF line
    // ends (smtp-source sends each line with CRLF), is the baseline's message.
    std::vector<delivery::HttpRequest> requests;
    requests.reserve(pending.size());
    for (const PendingMessage& p : pending) {
      auto built = builder.build(outbound_for(p, *calendar, now), *calendar, now);
      require(built.ok(), "building a message: " + (built.ok() ? std::string() : built.error()));
      requests.push_back(std::move(built).value());
    }
    const std::string& sample = requests[requests.size() / 2].body;
    baseline_bytes = sample.size();
    std::string lf;
    for (std::size_t i = 0; i < sample.size(); ++i) {
      if (sample[i] == '\r' && i + 1 < sample.size() && sample[i + 1] == '\n') continue;
      lf += sample[i];
    }
    const std::filesystem::path message_file = dir.path() / "message.eml";
    std::ofstream(message_file, std::ios::binary | std::ios::trunc) << lf;

    SenderFigures baseline;
    DeadlinedFigures measured;
    if (round % 2 == 0) {
      measured = run_deadlined(std::move(sqlite), calendar, sink, keys, settings);
      baseline = run_libcurl_smtp(requests, sink, settings);
    } else {
      baseline = run_libcurl_smtp(requests, sink, settings);
      measured = run_deadlined(std::move(sqlite), calendar, sink, keys, settings);
    }
    const SenderFigures source = run_baseline(smtp_source, message_file, sink, settings);
    const SenderFigures client_only = run_client_only(requests, sink, settings);
    deadlined_bytes = measured.bytes;
    deadlined_times.push_back(measured.seconds);
    baseline_times.push_back(baseline.seconds);
    source_times.push_back(source.seconds);
    client_only_times.push_back(client_only.seconds);
    std::printf("round %d: deadlined %.3f s, baseline (libcurl SMTP) %.3f s, smtp-source %.3f s\n", round + 1,
                measured.seconds, baseline.seconds, source.seconds);
    print_round_detail(measured);
    std::printf("  baseline:     libcurl SMTP %.3f s CPU; %s\n", baseline.cpu, sink_line(baseline.sink).c_str());
    std::printf("  smtp-source:  %.3f s CPU; %s\n", source.cpu, sink_line(source.sink).c_str());
    // Every sender thread's CPU, and how busy the sink's core was.
    const double store_cpu = measured.store_cpu ? *measured.store_cpu : 0.0;
    deadlined_cpu_us.push_back((measured.main_cpu + store_cpu + measured.delivery_cpu) / static_cast<double>(n) * 1e6);
    baseline_cpu_us.push_back(baseline.cpu / static_cast<double>(n) * 1e6);
    deadlined_busy = std::max(deadlined_busy, measured.sink.sink_cpu / measured.seconds);
    baseline_busy = std::max(baseline_busy, baseline.sink.sink_cpu / baseline.seconds);
    std::printf("  sender CPU per message: deadlined %.1f us (main %.3f s + store %.3f s + delivery %.3f s), "
                "baseline %.1f us; sink core busy: deadlined %s, baseline %s\n",
                deadlined_cpu_us.back(), measured.main_cpu, store_cpu, measured.delivery_cpu, baseline_cpu_us.back(),
                percent(measured.sink.sink_cpu, measured.seconds).c_str(),
                percent(baseline.sink.sink_cpu, baseline.seconds).c_str());
    std::printf("  for comparison: CurlMultiClient alone (no store, no building) %.3f s, %.3f s CPU (caller and delivery "
                "threads); "
                "%s\n",
                client_only.seconds, client_only.cpu, sink_line(client_only.sink).c_str());
    std::fflush(stdout);
  }

  const deadline::bench::Comparison comparison = deadline::bench::compare(n, deadlined_times, baseline_times);
  const auto [deadlined_s, baseline_s, deadlined_rate, baseline_rate, ratio] = comparison;
  std::printf("\n");
  std::printf("messages                   : %10lld (one per email endpoint; mean %.0f bytes, baseline's %zu)\n",
              static_cast<long long>(n), static_cast<double>(deadlined_bytes) / static_cast<double>(n),
              baseline_bytes);
  std::printf("rounds                     : %10d (medians below)\n", settings.rounds);
  std::printf("deadlined Dispatcher       : %10.3f s %12.0f messages/s (recorded delivered)\n", deadlined_s,
              deadlined_rate);
  std::printf("baseline libcurl SMTP multi: %10.3f s %12.0f messages/s (%ld connections)\n", baseline_s,
              baseline_rate, settings.mail_connections);
  std::printf("ratio deadlined / baseline : %10.2f   target >= %.2f: %s\n", ratio, kTargetRatio,
              deadline::bench::verdict(ratio, kTargetRatio));
  const double source_s = median(source_times);
  std::printf("(smtp-source -d            : %10.3f s %12.0f messages/s, %.2f x baseline; pipelined, for information)\n",
              source_s, static_cast<double>(n) / source_s, baseline_s / source_s);
  const double client_only_s = median(client_only_times);
  std::printf("(CurlMultiClient alone     : %10.3f s %12.0f messages/s, %.2f x baseline; not in the ratio)\n",
              client_only_s, static_cast<double>(n) / client_only_s, baseline_s / client_only_s);
  std::printf("sender CPU per message     : deadlined %.1f us, baseline %.1f us (medians; %.2f x)\n",
              median(deadlined_cpu_us), median(baseline_cpu_us), median(deadlined_cpu_us) / median(baseline_cpu_us));
  std::printf("pinning                    : %s\n",
              pinned ? "both senders on CPU 0, smtp-sink on CPU 1"
                     : "NOT pinned (this machine has fewer than 2 CPUs, or affinity was refused)");
  const bool valid = std::max(deadlined_busy, baseline_busy) <= kSinkBusyLimit;
  std::printf("sink core busy (max)       : deadlined %.0f%%, baseline %.0f%%: %s\n", deadlined_busy * 100,
              baseline_busy * 100, valid ? "valid" : "INVALID: above 80%, the sink rather than the sender may set the pace");
  deadline::bench::result_line("email", "messages/s", comparison, kTargetRatio);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 5) {
    std::fprintf(stderr,
                 "usage: %s [MESSAGES (default 5000)] [ROUNDS (default 3)] [CONNECTIONS (default [email] "
                 "connections)] [SINK_DELAY_SECONDS (default 0)]\n",
                 argv[0]);
    return 2;
  }
  Settings settings;
  try {
    if (argc > 1) settings.messages = parse_positive(argv[1], "MESSAGES");
    if (argc > 2) settings.rounds = static_cast<int>(parse_positive(argv[2], "ROUNDS", 1000));
    if (argc > 3) settings.mail_connections = static_cast<long>(parse_positive(argv[3], "CONNECTIONS", 64, "(the transfers in flight)"));
    if (argc > 4) settings.sink_delay_seconds = static_cast<int>(parse_positive(argv[4], "SINK_DELAY_SECONDS", 60));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "email_bench: %s\n", e.what());
    return 2;
  }
  const std::string smtp_sink = find_tool("smtp-sink");
  const std::string smtp_source = find_tool("smtp-source");
  if (smtp_sink.empty() || smtp_source.empty()) {
    std::fprintf(stderr,
                 "email_bench: %s not found (looked in /usr/sbin and PATH). They come with Debian's postfix "
                 "package; scripts/install-bench-deps.sh installs it without configuring or starting an MTA.\n",
                 smtp_sink.empty() && smtp_source.empty() ? "smtp-sink and smtp-source"
                 : smtp_sink.empty()                      ? "smtp-sink"
                                                          : "smtp-source");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    std::fprintf(stderr, "email_bench: curl_global_init failed\n");
    return 1;
  }
  int status = 1;
  try {
    status = run(settings, smtp_sink, smtp_source);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "email_bench: %s\n", e.what());
    status = 1;
  }
  curl_global_cleanup();
  return status;
}
