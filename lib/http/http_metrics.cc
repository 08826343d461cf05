#include "http/http_metrics.h"

#include <algorithm>
#include <array>
#include <vector>

namespace deadline::http {

namespace {

constexpr std::array<std::string_view, 12> kStaticPaths = {
    "/",        "/healthz",           "/subscribe",        "/calendar.ics",          "/metrics",
    "/api/v1/programmes", "/api/v1/upcoming", "/api/v1/subscriptions", "/admin/v1/subscribers",
    "/admin/v1/endpoints", "/admin/v1/messages", "/admin/v1/counts"};

std::vector<std::string_view> segments_of(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') path.remove_prefix(1);
    const std::size_t slash = std::min(path.find('/'), path.size());
    if (slash > 0) out.push_back(path.substr(0, slash));
    path.remove_prefix(slash);
  }
  return out;
}

std::string join(const std::vector<std::string_view>& parts) {
  std::string out;
  for (const std::string_view p : parts) out.append("/").append(p);
  return out;
}

}  // namespace

std::string route_of(std::string_view target) {
  const std::string_view path = target.substr(0, std::min(target.find('?'), target.size()));
  if (std::find(kStaticPaths.begin(), kStaticPaths.end(), path) != kStaticPaths.end()) return std::string(path);
  if (path == "/admin/v1/reload" || path == "/admin/v1/status") return std::string(path);
  std::vector<std::string_view> s = segments_of(path);
  const std::size_t n = s.size();
  if (n == 2 && s[0] == "programmes") return "/programmes/{id}";
  if (n == 2 && (s[0] == "confirm" || s[0] == "manage" || s[0] == "unsubscribe")) return "/" + std::string(s[0]) + "/{token}";
  if (n == 2 && s[0] == "feeds") return "/feeds/{token}.ics";
  if (n == 4 && s[0] == "api" && s[1] == "v1" && s[2] == "programmes") return "/api/v1/programmes/{id}";
  if (n >= 4 && n <= 7 && s[0] == "api" && s[1] == "v1" && s[2] == "manage") {
    s[3] = "{token}";
    if (n >= 6) s[5] = "{id}";
    return join(s);
  }
  if (n >= 4 && n <= 5 && s[0] == "admin" && s[1] == "v1" &&
      (s[2] == "subscribers" || s[2] == "endpoints" || s[2] == "messages")) {
    s[3] = "{id}";
    return join(s);
  }
  return "other";
}

void HttpMetrics::count(std::string_view target, unsigned status) {
  std::string route = route_of(target);
  const std::lock_guard<std::mutex> lock(mutex_);
  ++counts_[{std::move(route), status}];
}

std::map<std::pair<std::string, unsigned>, std::int64_t> HttpMetrics::snapshot() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return counts_;
}

}  // namespace deadline::http
