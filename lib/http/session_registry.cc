#include "http/session_registry.h"

namespace deadline::http {

bool SessionRegistry::add(const std::shared_ptr<Session>& session) {
  const std::lock_guard lock(mutex_);
  if (stopping_) return false;
  sessions_.emplace(session.get(), session);
  return true;
}

void SessionRegistry::remove(const Session* session) {
  const std::lock_guard lock(mutex_);
  sessions_.erase(session);
}

std::vector<std::shared_ptr<Session>> SessionRegistry::stop_all() {
  const std::lock_guard lock(mutex_);
  stopping_ = true;
  std::vector<std::shared_ptr<Session>> live;
  for (const auto& [key, weak] : sessions_) {
    if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  return live;
}

}  // namespace deadline::http
