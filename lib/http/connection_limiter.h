#pragma once
// Connections open at once: at most `per_address` from one peer address and `total` from all.
// The listener asks for a slot before starting a session; the session holds it until it ends.
// A connection over either cap gets no slot: the listener closes it at once (docs/http-api.md,
// "Limits"). The address is the TCP peer's: a connection is counted before any request (and
// its headers) has arrived, so a reverse proxy's connections all count for the proxy; the
// listener exempts trusted proxies from the per-address cap (never from the total).
//
// Thread-safe: slots are taken on the listener's strand and released from any session's.

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace deadline::http {

class ConnectionLimiter;

// Returns its connection to the limiter when destroyed. Move-only; an empty one holds nothing.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  ConnectionSlot(ConnectionSlot&& other) noexcept;
  ConnectionSlot& operator=(ConnectionSlot&& other) noexcept;
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ~ConnectionSlot();

  explicit operator bool() const { return limiter_ != nullptr; }

 private:
  friend class ConnectionLimiter;
  ConnectionSlot(std::shared_ptr<ConnectionLimiter> limiter, std::string address, bool counted_per_address)
      : limiter_(std::move(limiter)), address_(std::move(address)), counted_per_address_(counted_per_address) {}
  void release();

  std::shared_ptr<ConnectionLimiter> limiter_;
  std::string address_;
  bool counted_per_address_ = false;
};

// Why a connection got no slot.
enum class ConnectionRefusal { none, per_address, total };

class ConnectionLimiter : public std::enable_shared_from_this<ConnectionLimiter> {
 public:
  // 0 means no cap.
  ConnectionLimiter(std::size_t per_address, std::size_t total) : per_address_(per_address), total_(total) {}

  // A slot for one more connection from `address`, or an empty slot with `refusal` set. With
  // `exempt`, the per-address cap does not apply (a trusted proxy), only the total.
  ConnectionSlot acquire(const std::string& address, bool exempt, ConnectionRefusal* refusal = nullptr);

  std::size_t open() const;                               // all connections holding a slot
  std::size_t open_from(const std::string& address) const;  // counted against `address`'s cap
  std::size_t addresses() const;                          // addresses with a counted connection

 private:
  friend class ConnectionSlot;
  void release(const std::string& address, bool counted_per_address);

  const std::size_t per_address_;
  const std::size_t total_;
  mutable std::mutex mutex_;
  std::size_t open_ = 0;                                 // guarded by mutex_
  std::unordered_map<std::string, std::size_t> by_address_;  // guarded by mutex_; no zero counts
};

}  // namespace deadline::http
