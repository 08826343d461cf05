#include "deadlinectl/admin_client.h"

#include "config/config.h"

#include <curl/curl.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>

namespace deadline::ctl {

namespace {

struct EasyFree {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct ListFree {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

std::size_t append(char* data, std::size_t size, std::size_t count, void* to) {
  static_cast<std::string*>(to)->append(data, size * count);
  return size * count;
}

Result<std::string> read_token(const AdminTarget& target) {
  using R = Result<std::string>;
  if (const char* env = std::getenv("DEADLINED_ADMIN_TOKEN"); env && *env) return R::success(env);
  const std::filesystem::path file =
      !target.token_file.empty() ? target.token_file : default_secrets_dir(target.database) / "admin-token";
  std::ifstream in(file);
  std::string token;
  if (!in || !std::getline(in, token) || token.empty()) {
    return R::failure("cannot read the admin token from " + file.string() +
                      " (set --admin-token-file or DEADLINED_ADMIN_TOKEN)");
  }
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  return R::success(token);
}

}  // namespace

Result<AdminAnswer> admin_request(const AdminTarget& target, const std::string& method, const std::string& path,
                                  const std::string& json_body) {
  using R = Result<AdminAnswer>;
  const Result<std::string> token = read_token(target);
  if (!token) return R::failure(token.error());
  std::unique_ptr<CURL, EasyFree> easy(curl_easy_init());
  if (!easy) return R::failure("cannot start libcurl");
  std::string url = target.url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += path;
  std::unique_ptr<curl_slist, ListFree> headers(curl_slist_append(nullptr, ("Authorization: Bearer " + *token).c_str()));
  headers.reset(curl_slist_append(headers.release(), "Accept: application/json"));
  if (!json_body.empty()) headers.reset(curl_slist_append(headers.release(), "Content-Type: application/json"));
  AdminAnswer answer;
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  if (!json_body.empty() || method == "POST") {
    curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDS, json_body.c_str());
    curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(json_body.size()));
  }
  curl_easy_setopt(easy.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, &append);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(easy.get(), CURLOPT_NOPROXY, "*");       // the admin API is local: never a proxy
  curl_easy_setopt(easy.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy.get(), CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS, 120000L);  // a reload of a large calendar takes a moment
  curl_easy_setopt(easy.get(), CURLOPT_ERRORBUFFER, error);
  if (const CURLcode code = curl_easy_perform(easy.get()); code != CURLE_OK) {
    return R::failure("cannot reach the admin API at " + target.url + ": " +
                      (error[0] ? std::string(error) : curl_easy_strerror(code)));
  }
  curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &answer.status);
  char* type = nullptr;
  curl_easy_getinfo(easy.get(), CURLINFO_CONTENT_TYPE, &type);
  if (type) answer.content_type = type;
  return R::success(std::move(answer));
}

int admin_verb(const AdminTarget& target, const std::string& method, const std::string& path, const std::string& json_body,
               std::ostream& out, std::ostream& err) {
  const Result<AdminAnswer> answer = admin_request(target, method, path, json_body);
  if (!answer) {
    err << "deadlinectl: " << answer.error() << '\n';
    return 1;
  }
  return print_answer(*answer, out, err);
}

int print_answer(const AdminAnswer& answer, std::ostream& out, std::ostream& err) {
  const nlohmann::json parsed = nlohmann::json::parse(answer.body, nullptr, false);
  if (answer.status >= 200 && answer.status < 300) {
    if (answer.body.empty()) return 0;
    out << (parsed.is_discarded() ? answer.body : parsed.dump(2) + "\n");
    return 0;
  }
  err << "deadlinectl: the daemon answered " << answer.status;
  if (!parsed.is_discarded() && parsed.contains("error") && parsed["error"].contains("message")) {
    err << ": " << parsed["error"]["message"].get<std::string>();
    if (parsed["error"].contains("field") && parsed["error"]["field"].is_string()) {
      err << " (" << parsed["error"]["field"].get<std::string>() << ")";
    }
  }
  err << '\n';
  if (!parsed.is_discarded() && parsed.contains("errors") && parsed["errors"].is_array()) {
    for (const auto& e : parsed["errors"]) err << (e.is_string() ? e.get<std::string>() : e.dump()) << '\n';
  }
  return 1;
}

}  // namespace deadline::ctl
