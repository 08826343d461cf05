#pragma once
// HTTP requests counted by route and status, for /metrics. Routes are the path templates
// ("/manage/{token}", "/admin/v1/endpoints/{id}"), never the paths themselves: tokens must not
// reach a metrics system, and one label per path would grow without bound.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace deadline::http {

// The template a request path belongs to; "other" for paths no route serves.
std::string route_of(std::string_view target);

class HttpMetrics {
 public:
  void count(std::string_view target, unsigned status);
  std::map<std::pair<std::string, unsigned>, std::int64_t> snapshot() const;

 private:
  mutable std::mutex mutex_;  // sessions of both listeners, and /metrics, on the main thread now;
                              // cheap enough to keep it safe if the server ever gets more threads
  std::map<std::pair<std::string, unsigned>, std::int64_t> counts_;
};

}  // namespace deadline::http
