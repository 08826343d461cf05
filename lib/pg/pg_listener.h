#pragma once
// Wakes this process when another session commits new messages (issue 24: several daemons on
// one PostgreSQL). A thread of its own holds a connection of its own that LISTENs on a channel
// (schema migration 3 makes every INSERT into messages NOTIFY it at commit) and calls
// `on_notify` when notifications arrive. It is only a cue: polling stays the fallback, so a
// missed notification costs latency, never a message.
//
// The callback runs on the listener's thread (the daemon posts to its io_context from there).
// A burst is coalesced: the first notification after a quiet spell is reported at once, the
// rest of the burst as one more call at the end of `coalesce`. Each time the connection starts
// listening (the first time, and after a reconnect) the callback runs once as well, since what
// committed while nobody listened was not notified. A lost connection (a server restart,
// pg_terminate_backend, keepalives finding the peer silent) is reopened with back-off; each
// change of state is logged once (listening, lost, the first failed try to listen again).
//
// Its own thread, because opening a connection to an unreachable server blocks for up to the
// connect timeout, which must not stall the network or store thread. Stopping is prompt (an
// eventfd wakes the wait) except during such an open: the destructor then waits for it.

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "pg/pg_connection.h"
#include "pg/pg_message_notify.h"

namespace deadline::pg {

struct ListenerOptions {
  std::string channel = kMessagesChannel;
  // Notifications closer together than this after the one reported become one trailing call.
  std::chrono::milliseconds coalesce{50};
  // Reconnecting: the first wait, doubled after each failure up to the cap.
  std::chrono::milliseconds first_retry{250};
  std::chrono::milliseconds max_retry{10000};
};

class PgListener {
 public:
  // Starts the thread; it connects and LISTENs on its own (failures are logged and retried).
  PgListener(std::string uri, ConnectSettings settings, std::function<void()> on_notify, ListenerOptions options = {});
  ~PgListener();  // stops and joins the thread; the connection goes with it
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

  // True while a connection is listening (for tests and diagnostics).
  bool listening() const { return listening_.load(std::memory_order_acquire); }
  // The listening session's backend pid, 0 while there is none.
  int backend_pid() const { return backend_pid_.load(std::memory_order_acquire); }

 private:
  void run();
  Result<PgConnection> connect_and_listen();
  // Waits on the connection until it fails (returns why) or the listener stops (returns "").
  std::string serve(PgConnection& connection);
  // Waits up to `timeout` (negative: without end) for the stop signal or `fd` to be readable;
  // true when stopping.
  bool wait(int fd, std::chrono::milliseconds timeout, bool& fd_ready);
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }

  std::string uri_;
  ConnectSettings settings_;
  std::function<void()> on_notify_;
  ListenerOptions options_;
  std::string shown_;  // the URI without its password, for the log
  std::string last_notice_;  // the thread's: what the server said last on the listening session
  int stop_fd_ = -1;   // an eventfd the destructor writes
  std::atomic<bool> stopping_{false};
  std::atomic<bool> listening_{false};
  std::atomic<int> backend_pid_{0};
  std::thread thread_;  // last: started once everything it reads is ready
};

}  // namespace deadline::pg
