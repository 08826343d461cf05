#pragma once
// The live sessions, so stop() can reach each one. Holds weak references: a session's lifetime
// is its own asynchronous chain, never this list.

#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace deadline::http {

class Session;

class SessionRegistry {
 public:
  // False once stopping: the caller closes the session instead of serving it.
  bool add(const std::shared_ptr<Session>& session);
  void remove(const Session* session);
  // Marks the registry stopping and returns every session still alive.
  std::vector<std::shared_ptr<Session>> stop_all();

 private:
  std::mutex mutex_;
  bool stopping_ = false;                                                   // guarded by mutex_
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions_;    // guarded by mutex_
};

}  // namespace deadline::http
