#include "delivery/curl_transfer.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>

#include "delivery/outbound_url.h"

namespace deadline::delivery {

namespace {

// Keeps at most max_response_bytes of the body; the rest is read and dropped, so the transfer
// still completes with its status.
std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<CurlTransfer*>(user);
  const std::size_t bytes = size * count;
  std::string& body = transfer->result.body;
  const std::size_t limit = transfer->request.max_response_bytes;
  const std::size_t room = limit - std::min(body.size(), limit);
  body.append(data, std::min(bytes, room));
  return bytes;
}

// Retry-After: delay-seconds or an HTTP-date.
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<CurlTransfer*>(user);
  const std::size_t bytes = size * count;
  static constexpr std::string_view name = "retry-after:";
  if (bytes <= name.size()) return bytes;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(data[i])) != name[i]) return bytes;
  }
  std::string value(data + name.size(), bytes - name.size());
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.erase(0, 1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
  char* end = nullptr;
  const long seconds = std::strtol(value.c_str(), &end, 10);
  if (!value.empty() && end && *end == '\0' && seconds >= 0) {
    transfer->result.retry_after = std::chrono::seconds{seconds};
  } else if (const std::time_t at = curl_getdate(value.c_str(), nullptr); at > 0) {
    transfer->result.retry_after = std::chrono::seconds{std::max<std::time_t>(at - std::time(nullptr), 0)};
  }
  return bytes;
}

// The message handed to the SMTP relay after DATA, in pieces as curl asks.
std::size_t on_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<CurlTransfer*>(user);
  const std::string& message = transfer->request.body;
  const std::size_t n = std::min(size * count, message.size() - transfer->uploaded);
  message.copy(buffer, n, transfer->uploaded);
  transfer->uploaded += n;
  return n;
}

bool prepare_mail(CurlTransfer& transfer) {
  CURL* easy = transfer.easy;
  const MailEnvelope& mail = *transfer.request.mail;
  const std::string sender = "<" + mail.sender + ">";
  transfer.recipients = curl_slist_append(nullptr, ("<" + mail.recipient + ">").c_str());
  bool ok = transfer.recipients != nullptr;
  const auto set = [&ok](CURLcode code) { ok = ok && code == CURLE_OK; };
  set(curl_easy_setopt(easy, CURLOPT_URL, transfer.request.url.c_str()));
  set(curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps"));
  set(curl_easy_setopt(easy, CURLOPT_MAIL_FROM, sender.c_str()));  // copied by libcurl
  set(curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, transfer.recipients));
  set(curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L));
  set(curl_easy_setopt(easy, CURLOPT_READFUNCTION, &on_upload));
  set(curl_easy_setopt(easy, CURLOPT_READDATA, &transfer));
  set(curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(transfer.request.body.size())));
  set(curl_easy_setopt(easy, CURLOPT_USE_SSL, static_cast<long>(mail.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY)));
  if (!mail.username.empty()) {
    set(curl_easy_setopt(easy, CURLOPT_USERNAME, mail.username.c_str()));
    set(curl_easy_setopt(easy, CURLOPT_PASSWORD, mail.password.c_str()));
  }
  set(curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(transfer.request.connect_timeout.count())));
  set(curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(transfer.request.total_timeout.count())));
  set(curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L));
  set(curl_easy_setopt(easy, CURLOPT_NOPROXY, "*"));
  set(curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer.error));
  return ok;
}

}  // namespace

CurlTransfer::~CurlTransfer() {
  if (headers) curl_slist_free_all(headers);
  if (recipients) curl_slist_free_all(recipients);
}

bool prepare_transfer(CurlTransfer& t, const std::string& user_agent) {
  const HttpRequest& r = t.request;
  if (r.mail) {
    if (prepare_mail(t)) return true;
    t.result.error = "cannot set up the SMTP transfer";
    return false;
  }
  const Result<OutboundUrl> url = check_outbound_url(r.url, r.allow_hosts);
  if (!url) {
    t.result.error = url.error();
    t.result.refused_by_policy = true;
    return false;
  }
  t.guard = std::make_unique<OutboundGuard>(r.allow_hosts, url->host);
  for (const std::string& h : r.headers) t.headers = curl_slist_append(t.headers, h.c_str());
  t.headers = curl_slist_append(t.headers, "Expect:");  // no 100-continue round trip
  CURL* easy = t.easy;
  curl_easy_setopt(easy, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, r.body.data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t.headers);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, user_agent.c_str());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(r.total_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t.error);
  if (apply_outbound_policy(easy, t.guard.get()) != CURLE_OK) {
    t.result.error = "cannot apply the outbound address policy";
    return false;
  }
  return true;
}

void finish_transfer(CurlTransfer& t, CURLcode code) {
  if (code == CURLE_OK || t.request.mail) {
    // An SMTP failure still has the relay's reply code (550 on RCPT, 451 after DATA, ...).
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &t.result.status);
  }
  if (code == CURLE_OK) return;
  const std::string refusal = t.guard ? t.guard->refusal() : std::string();
  t.result.error = !refusal.empty() ? refusal
                   : t.error[0]     ? std::string(t.error)
                                    : std::string(curl_easy_strerror(code));
  if (!t.request.mail) t.result.status = 0;
  // Every address the name resolved to was refused by the guard (none was even tried): as for a
  // URL refused when read, no retry on the normal schedule can help; its owner must change it.
  // An address that was tried and failed to answer is an ordinary failure.
  t.result.refused_by_policy = !refusal.empty() && t.guard->sockets_opened == 0;
}

}  // namespace deadline::delivery
