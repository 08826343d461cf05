#include "pg/pg_listener.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "base/log.h"
#include "store/database_location.h"

namespace deadline::pg {

namespace {

// The first line of libpq's text, without its severity ("FATAL:  ") and trailing newline.
std::string first_line_of(const char* message) {
  std::string text = message ? message : "";
  text = text.substr(0, text.find('\n'));
  for (const char* severity : {"FATAL:  ", "ERROR:  ", "WARNING:  "}) {
    if (text.rfind(severity, 0) == 0) text.erase(0, std::string(severity).size());
  }
  return text;
}

// An ERROR or FATAL the server sends while the session is idle (pg_terminate_backend, a
// shutdown) reaches libpq's notice processor, whose default prints it on stderr. Kept instead:
// it is the best account of why the connection is going.
void keep_listener_notice(void* kept, const char* message) {
  *static_cast<std::string*>(kept) = first_line_of(message);
}

}  // namespace

PgListener::PgListener(std::string uri, ConnectSettings settings, std::function<void()> on_notify,
                       ListenerOptions options)
    : uri_(std::move(uri)),
      settings_(std::move(settings)),
      on_notify_(std::move(on_notify)),
      options_(std::move(options)),
      shown_(store::uri_without_password(uri_)),
      stop_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      thread_([this] {
        pthread_setname_np(pthread_self(), "pg-listener");
        run();
      }) {}

PgListener::~PgListener() {
  stopping_.store(true, std::memory_order_release);
  if (stop_fd_ >= 0) {
    const std::uint64_t one = 1;
    (void)!write(stop_fd_, &one, sizeof one);
  }
  thread_.join();
  if (stop_fd_ >= 0) close(stop_fd_);
}

bool PgListener::wait(int fd, std::chrono::milliseconds timeout, bool& fd_ready) {
  fd_ready = false;
  // Without the eventfd (it could not be made), stopping is noticed within 200 ms instead.
  if (stop_fd_ < 0 && (timeout.count() < 0 || timeout.count() > 200)) timeout = std::chrono::milliseconds{200};
  pollfd watched[2] = {{stop_fd_, POLLIN, 0}, {fd, POLLIN, 0}};
  const int ready = poll(watched, fd >= 0 ? 2 : 1, static_cast<int>(std::max<long long>(timeout.count(), -1)));
  if (stopping()) return true;
  if (ready < 0) return false;  // EINTR: the caller waits again
  // A closed or broken socket is "ready" too: PQconsumeInput then reports what happened.
  fd_ready = fd >= 0 && (watched[1].revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL)) != 0;
  return false;
}

Result<PgConnection> PgListener::connect_and_listen() {
  using R = Result<PgConnection>;
  auto opened = PgConnection::open(uri_, settings_);
  if (!opened) return opened;
  PgConnection c = std::move(opened).value();
  // This session is idle by design: an idle_session_timeout meant for forgotten interactive
  // sessions (PostgreSQL 14 and later) would cut it every few minutes.
  if (PQserverVersion(c.raw()) >= 140000) {
    if (const auto kept = c.exec("SET idle_session_timeout = 0"); !kept) return R::failure(kept.error());
  }
  char* quoted = PQescapeIdentifier(c.raw(), options_.channel.c_str(), options_.channel.size());
  if (!quoted) return R::failure("PostgreSQL " + c.shown() + ": cannot quote the channel name");
  const std::string listen = std::string("LISTEN ") + quoted;
  PQfreemem(quoted);
  if (const auto listened = c.exec(listen); !listened) return R::failure(listened.error());
  return R::success(std::move(c));
}

std::string PgListener::serve(PgConnection& c) {
  using Clock = std::chrono::steady_clock;
  PGconn* const conn = c.raw();
  last_notice_.clear();
  PQsetNoticeProcessor(conn, &keep_listener_notice, &last_notice_);
  const auto lost = [&] {
    const std::string why = last_notice_.empty() ? first_line_of(PQerrorMessage(conn)) : last_notice_;
    return why.empty() ? std::string("the connection closed") : why;
  };
  Clock::time_point quiet_until{};  // a notification before this waits for the trailing call
  bool held = false;
  // The first pass reads without waiting: a notification may already sit in libpq's buffer,
  // read while LISTEN's own answer was.
  bool readable = true;
  for (;;) {
    bool notified = false;
    if (readable) {
      // PQconsumeInput before each PQnotifies: one read may hold only part of the next
      // notification (libpq's documentation since 9.5).
      if (PQconsumeInput(conn) == 0) return lost();
      while (PGnotify* n = PQnotifies(conn)) {
        PQfreemem(n);
        notified = true;
        if (PQconsumeInput(conn) == 0) return lost();
      }
      if (PQstatus(conn) != CONNECTION_OK) return lost();
    }
    const Clock::time_point now = Clock::now();
    if (notified) held = true;
    if (held && now >= quiet_until) {
      held = false;
      quiet_until = now + options_.coalesce;
      on_notify_();
    }
    const int fd = PQsocket(conn);
    if (fd < 0) return lost();
    std::chrono::milliseconds timeout{-1};
    if (held) {
      timeout = std::max(std::chrono::ceil<std::chrono::milliseconds>(quiet_until - Clock::now()),
                         std::chrono::milliseconds{0});
    }
    if (wait(fd, timeout, readable)) return "";
  }
}

void PgListener::run() {
  std::chrono::milliseconds delay = options_.first_retry;
  bool listened_before = false;
  bool failure_logged = false;
  while (!stopping()) {
    auto opened = connect_and_listen();
    if (!opened) {
      // Once until the next change: a server down for an hour would otherwise repeat it at
      // every try, and its reasons alternate (refused, shutting down, starting up).
      if (!failure_logged) {
        failure_logged = true;
        log::warning("store", "cannot listen for new messages" + std::string(listened_before ? " again" : "") +
                                  " yet (" + opened.error() + "); polling alone finds them meanwhile, retrying");
      }
      bool unused = false;
      if (wait(-1, delay, unused)) break;
      delay = std::min(delay * 2, options_.max_retry);
      continue;
    }
    PgConnection c = std::move(opened).value();
    delay = options_.first_retry;
    failure_logged = false;
    log::info("store", std::string(listened_before ? "listening for new messages again" : "listening for new messages") +
                           " on PostgreSQL " + shown_ + " (LISTEN " + options_.channel + "); polling remains the fallback");
    listened_before = true;
    backend_pid_.store(c.backend_pid(), std::memory_order_release);
    listening_.store(true, std::memory_order_release);
    on_notify_();  // what committed while nobody listened was not notified
    const std::string why = serve(c);
    listening_.store(false, std::memory_order_release);
    backend_pid_.store(0, std::memory_order_release);
    if (stopping()) break;
    log::warning("store", "lost the connection that listens for new messages (" + why +
                              "): polling alone finds them until it is back");
  }
}

}  // namespace deadline::pg
