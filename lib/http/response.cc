#include "http/response.h"

#include <algorithm>
#include <string>

namespace deadline::http {

ReplyTo reply_to(const Request& request) {
  return {request.version(), request.keep_alive(), request.method() == Verb::head};
}

Response json_response(Status status, const nlohmann::json& body, const ReplyTo& to) {
  std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  Response res{status, to.version};
  res.set(Field::server, "deadlined");
  res.set(Field::content_type, "application/json; charset=utf-8");
  res.keep_alive(to.keep_alive);
  res.content_length(text.size());
  if (!to.head) res.body() = std::move(text);
  return res;
}

Response html_response(Status status, std::string html, const ReplyTo& to) {
  Response res{status, to.version};
  res.set(Field::server, "deadlined");
  res.set(Field::content_type, "text/html; charset=utf-8");
  res.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
  res.set(Field::cache_control, "no-store");
  res.set("Referrer-Policy", "no-referrer");  // links with tokens must not leak to other sites
  res.keep_alive(to.keep_alive);
  res.content_length(html.size());
  if (!to.head) res.body() = std::move(html);
  return res;
}

Response too_many_requests(std::chrono::seconds retry_after, const ReplyTo& to) {
  const long long seconds = std::max<long long>(retry_after.count(), 1);
  const long long minutes = (seconds + 59) / 60;
  // "请在 30 秒后重试。" / "请在约 2 分钟后重试。"
  const std::string wait = seconds < 60 ? " " + std::to_string(seconds) + " 秒" : "约 " + std::to_string(minutes) + " 分钟";
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>请求过于频繁</title>\n</head>\n<body>\n<main>\n<h1>请求过于频繁，请稍后再试</h1>\n<p>请在" + wait +
      "后重试。</p>\n</main>\n</body>\n</html>\n";
  Response res = html_response(Status::too_many_requests, std::move(html), to);
  res.set(Field::retry_after, std::to_string(seconds));
  return res;
}

Response error_response(Status status, std::string_view code, std::string_view field,
                        std::string_view message, const ReplyTo& to) {
  const nlohmann::json error = {{"code", code},
                                {"field", field.empty() ? nlohmann::json(nullptr) : nlohmann::json(field)},
                                {"message", message}};
  return json_response(status, {{"error", error}}, to);
}

}  // namespace deadline::http
