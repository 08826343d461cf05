#include "http/connection_limiter.h"

namespace deadline::http {

ConnectionSlot::ConnectionSlot(ConnectionSlot&& other) noexcept
    : limiter_(std::move(other.limiter_)),
      address_(std::move(other.address_)),
      counted_per_address_(other.counted_per_address_) {
  other.limiter_.reset();
}

ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& other) noexcept {
  if (this != &other) {
    release();
    limiter_ = std::move(other.limiter_);
    other.limiter_.reset();
    address_ = std::move(other.address_);
    counted_per_address_ = other.counted_per_address_;
  }
  return *this;
}

ConnectionSlot::~ConnectionSlot() { release(); }

void ConnectionSlot::release() {
  if (!limiter_) return;
  limiter_->release(address_, counted_per_address_);
  limiter_.reset();
}

ConnectionSlot ConnectionLimiter::acquire(const std::string& address, bool exempt, ConnectionRefusal* refusal) {
  const auto refuse = [&](ConnectionRefusal why) {
    if (refusal) *refusal = why;
    return ConnectionSlot{};
  };
  const std::lock_guard lock(mutex_);
  if (total_ != 0 && open_ >= total_) return refuse(ConnectionRefusal::total);
  const bool counted = !exempt && per_address_ != 0;
  if (counted) {
    const auto found = by_address_.find(address);
    if (found != by_address_.end() && found->second >= per_address_) return refuse(ConnectionRefusal::per_address);
    ++by_address_[address];
  }
  ++open_;
  if (refusal) *refusal = ConnectionRefusal::none;
  return ConnectionSlot(shared_from_this(), address, counted);
}

void ConnectionLimiter::release(const std::string& address, bool counted_per_address) {
  const std::lock_guard lock(mutex_);
  --open_;
  if (!counted_per_address) return;
  const auto found = by_address_.find(address);
  if (found != by_address_.end() && --found->second == 0) by_address_.erase(found);
}

std::size_t ConnectionLimiter::open() const {
  const std::lock_guard lock(mutex_);
  return open_;
}

std::size_t ConnectionLimiter::open_from(const std::string& address) const {
  const std::lock_guard lock(mutex_);
  const auto found = by_address_.find(address);
  return found == by_address_.end() ? 0 : found->second;
}

std::size_t ConnectionLimiter::addresses() const {
  const std::lock_guard lock(mutex_);
  return by_address_.size();
}

}  // namespace deadline::http
