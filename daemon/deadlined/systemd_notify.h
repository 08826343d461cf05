#pragma once
// systemd's notification protocol (sd_notify(3)), spoken directly: one datagram per state change
// to the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or "@name" in the abstract namespace).
// Without $NOTIFY_SOCKET (not under systemd, or Type= is not notify) every call does nothing.
// $WATCHDOG_USEC (with $WATCHDOG_PID, when set, naming this process) asks for WATCHDOG=1 pings.

#include <chrono>
#include <optional>
#include <string>

namespace deadline::daemon {

class SystemdNotifier {
 public:
  // Reads the environment once, at start.
  static SystemdNotifier from_environment();

  bool active() const { return !socket_path_.empty(); }
  // How often systemd wants a ping, when it wants any (the daemon pings twice as often).
  std::optional<std::chrono::microseconds> watchdog_interval() const { return watchdog_; }

  void ready(const std::string& status) const { send("READY=1\nSTATUS=" + one_line(status)); }
  // RELOADING=1 with MONOTONIC_USEC (systemd ≥ 253 checks it; 252 ignores it); ready() ends it.
  void reloading(const std::string& status) const;
  void stopping(const std::string& status) const { send("STOPPING=1\nSTATUS=" + one_line(status)); }
  void status(const std::string& status) const { send("STATUS=" + one_line(status)); }
  void watchdog() const { send("WATCHDOG=1"); }

 private:
  static std::string one_line(std::string text);  // a newline would start another assignment
  void send(const std::string& message) const;

  std::string socket_path_;
  std::optional<std::chrono::microseconds> watchdog_;
};

}  // namespace deadline::daemon
