#include "delivery/curl_multi_client.h"

#include <boost/asio/post.hpp>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <sys/socket.h>
#include <unistd.h>

#include "delivery/address_policy.h"
#include "delivery/outbound_url.h"

namespace deadline::delivery {

namespace asio = boost::asio;

struct CurlMultiClient::Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  curl_slist* recipients = nullptr;              // mail only
  std::size_t uploaded = 0;                      // mail only: bytes of the message read so far
  HttpRequest request;
  std::function<void(HttpResult)> done;
  std::unique_ptr<OutboundGuard> guard;
  HttpResult result;
  char error[CURL_ERROR_SIZE] = {};

  ~Transfer() {
    if (headers) curl_slist_free_all(headers);
    if (recipients) curl_slist_free_all(recipients);
    if (easy) curl_easy_cleanup(easy);
  }
};

namespace {

// Keeps at most max_response_bytes of the body; the rest is read and dropped, so the transfer
// still completes with its status.
std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<CurlMultiClient::Transfer*>(user);
  const std::size_t bytes = size * count;
  std::string& body = transfer->result.body;
  const std::size_t room = transfer->request.max_response_bytes - std::min(body.size(), transfer->request.max_response_bytes);
  body.append(data, std::min(bytes, room));
  return bytes;
}

// Retry-After: delay-seconds or an HTTP-date.
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<CurlMultiClient::Transfer*>(user);
  const std::size_t bytes = size * count;
  std::string line(data, bytes);
  static const std::string name = "retry-after:";
  if (line.size() > name.size()) {
    std::string head = line.substr(0, name.size());
    for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (head == name) {
      std::string value = line.substr(name.size());
      while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.erase(0, 1);
      while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
      char* end = nullptr;
      const long seconds = std::strtol(value.c_str(), &end, 10);
      if (!value.empty() && end && *end == '\0' && seconds >= 0) {
        transfer->result.retry_after = std::chrono::seconds{seconds};
      } else if (const std::time_t at = curl_getdate(value.c_str(), nullptr); at > 0) {
        transfer->result.retry_after = std::chrono::seconds{std::max<std::time_t>(at - std::time(nullptr), 0)};
      }
    }
  }
  return bytes;
}

// The message handed to the SMTP relay after DATA, in pieces as curl asks.
std::size_t on_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<CurlMultiClient::Transfer*>(user);
  const std::string& message = transfer->request.body;
  const std::size_t n = std::min(size * count, message.size() - transfer->uploaded);
  message.copy(buffer, n, transfer->uploaded);
  transfer->uploaded += n;
  return n;
}

}  // namespace

CurlMultiClient::CurlMultiClient(asio::io_context& io, CurlMultiOptions options)
    : io_(io), options_(std::move(options)), multi_(curl_multi_init()), timer_(io) {
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlMultiClient::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlMultiClient::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, options_.max_host_connections);
  curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS, options_.max_total_connections);
}

CurlMultiClient::~CurlMultiClient() {
  timer_.cancel();
  // Shut the sockets of transfers still in flight first: removing an SMTP transfer makes libcurl
  // say QUIT and wait for the answer, blocking, and a relay that never answers would hold the
  // daemon's exit for minutes after the shutdown grace (seen with a silent relay in
  // tests/reliability/fanout_crash_test.py). A shut socket fails that wait at once.
  for (auto& [socket, w] : watches_) ::shutdown(socket, SHUT_RDWR);
  for (auto& [easy, transfer] : transfers_) curl_multi_remove_handle(multi_, easy);
  transfers_.clear();
  for (CURL* easy : idle_easies_) curl_easy_cleanup(easy);
  idle_easies_.clear();
  for (auto& [socket, w] : watches_) {
    w->descriptor.cancel();
    w->descriptor.release();  // curl owns and closes its sockets
  }
  watches_.clear();
  curl_multi_cleanup(multi_);
}

void CurlMultiClient::post(HttpRequest request, std::function<void(HttpResult)> done) {
  auto transfer = std::make_unique<Transfer>();
  transfer->request = std::move(request);
  transfer->done = std::move(done);
  const HttpRequest& r = transfer->request;
  const auto fail_now = [&](std::string error, bool by_policy = false) {
    HttpResult result;
    result.error = std::move(error);
    result.refused_by_policy = by_policy;
    asio::post(io_, [done = std::move(transfer->done), result = std::move(result)] { done(result); });
  };
  if (!r.mail) {
    const Result<OutboundUrl> url = check_outbound_url(r.url, r.allow_hosts);
    if (!url) return fail_now(url.error(), true);
    transfer->guard = std::make_unique<OutboundGuard>(r.allow_hosts, url->host);
  }
  CURL* easy = transfer->easy = take_easy();
  if (!easy) return fail_now("cannot create a libcurl handle");
  if (r.mail) {
    if (!start_mail(*transfer)) return fail_now("cannot set up the SMTP transfer");
    if (curl_multi_add_handle(multi_, easy) != CURLM_OK) return fail_now("cannot start the transfer");
    transfers_.emplace(easy, std::move(transfer));
    return;
  }
  for (const std::string& h : r.headers) transfer->headers = curl_slist_append(transfer->headers, h.c_str());
  transfer->headers = curl_slist_append(transfer->headers, "Expect:");  // no 100-continue round trip
  curl_easy_setopt(easy, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, r.body.data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, transfer.get());
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(r.total_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer.get());
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &CurlMultiClient::on_close);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this);
  if (apply_outbound_policy(easy, transfer->guard.get()) != CURLE_OK) {
    return fail_now("cannot apply the outbound address policy");
  }
  if (curl_multi_add_handle(multi_, easy) != CURLM_OK) return fail_now("cannot start the transfer");
  transfers_.emplace(easy, std::move(transfer));
}

int CurlMultiClient::on_socket(CURL*, curl_socket_t socket, int what, void* client, void*) {
  static_cast<CurlMultiClient*>(client)->watch(socket, what);
  return 0;
}

int CurlMultiClient::on_timer(CURLM*, long timeout_ms, void* client) {
  auto* self = static_cast<CurlMultiClient*>(client);
  if (timeout_ms < 0) {
    self->timer_.cancel();
    return 0;
  }
  if (timeout_ms == 0) {
    // "Act now" comes with nearly every new transfer: one posted action serves them all,
    // without arming a kernel timer each time.
    if (!self->timeout_posted_) {
      self->timeout_posted_ = true;
      asio::post(self->io_, [self] {
        self->timeout_posted_ = false;
        self->on_timeout();
      });
    }
    return 0;
  }
  self->timer_.expires_after(std::chrono::milliseconds{timeout_ms});
  self->timer_.async_wait([self](const boost::system::error_code& ec) {
    if (!ec) self->on_timeout();
  });
  return 0;
}

void CurlMultiClient::on_timeout() {
  int running = 0;
  curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
  collect_finished();
}

int CurlMultiClient::on_close(void* client, curl_socket_t socket) {
  auto* self = static_cast<CurlMultiClient*>(client);
  if (const auto it = self->watches_.find(socket); it != self->watches_.end()) {
    it->second->descriptor.cancel();
    it->second->descriptor.release();  // deregistered from the reactor before the fd goes away
    self->watches_.erase(it);
  }
  return ::close(socket);
}

void CurlMultiClient::watch(curl_socket_t socket, int what) {
  if (what == CURL_POLL_REMOVE) {
    // Idle (kept alive in curl's pool): stop waiting, stay registered until on_close.
    if (const auto it = watches_.find(socket); it != watches_.end()) {
      it->second->wanted = 0;
      it->second->descriptor.cancel();  // the aborted handlers return without touching the watch
      it->second->reading = it->second->writing = false;
    }
    return;
  }
  auto& w = watches_[socket];
  if (!w) {
    w = std::make_unique<Watch>(io_);
    w->descriptor.assign(socket);
  }
  w->wanted = what;
  arm(socket);
}

// Starts the waits curl asked for that are not already pending.
void CurlMultiClient::arm(curl_socket_t socket) {
  const auto it = watches_.find(socket);
  if (it == watches_.end()) return;
  Watch& w = *it->second;
  if ((w.wanted & CURL_POLL_IN) && !w.reading) {
    w.reading = true;
    w.descriptor.async_wait(asio::posix::stream_descriptor::wait_read, [this, socket](const boost::system::error_code& ec) {
      if (ec == asio::error::operation_aborted) return;
      if (auto found = watches_.find(socket); found != watches_.end()) found->second->reading = false;
      act(socket, ec ? CURL_CSELECT_ERR : CURL_CSELECT_IN);
    });
  }
  if ((w.wanted & CURL_POLL_OUT) && !w.writing) {
    w.writing = true;
    w.descriptor.async_wait(asio::posix::stream_descriptor::wait_write, [this, socket](const boost::system::error_code& ec) {
      if (ec == asio::error::operation_aborted) return;
      if (auto found = watches_.find(socket); found != watches_.end()) found->second->writing = false;
      act(socket, ec ? CURL_CSELECT_ERR : CURL_CSELECT_OUT);
    });
  }
}

void CurlMultiClient::act(curl_socket_t socket, int events) {
  int running = 0;
  curl_multi_socket_action(multi_, socket, events, &running);
  collect_finished();
  arm(socket);  // still watched and still wanted: wait again
}

void CurlMultiClient::collect_finished() {
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
    if (message->msg != CURLMSG_DONE) continue;
    CURL* easy = message->easy_handle;
    const CURLcode code = message->data.result;
    const auto it = transfers_.find(easy);
    if (it == transfers_.end()) continue;
    std::unique_ptr<Transfer> transfer = std::move(it->second);
    transfers_.erase(it);
    curl_multi_remove_handle(multi_, easy);
    if (code == CURLE_OK || transfer->request.mail) {
      // An SMTP failure still has the relay's reply code (550 on RCPT, 451 after DATA, ...).
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &transfer->result.status);
    }
    if (code != CURLE_OK) {
      const std::string refusal = transfer->guard ? transfer->guard->refusal() : std::string();
      transfer->result.error = !refusal.empty() ? refusal
                               : transfer->error[0] ? std::string(transfer->error)
                                                    : std::string(curl_easy_strerror(code));
      if (!transfer->request.mail) transfer->result.status = 0;
      // Every address the name resolved to was refused by the guard (none was even tried): as
      // for a URL refused when read, no retry on the normal schedule can help; its owner must
      // change it. An address that was tried and failed to answer is an ordinary failure.
      transfer->result.refused_by_policy = !refusal.empty() && transfer->guard->sockets_opened == 0;
    }
    transfer->easy = nullptr;
    recycle_easy(easy);
    // Callbacks run after this function returns: they may post new transfers.
    asio::post(io_, [done = std::move(transfer->done), result = std::move(transfer->result)] { done(result); });
  }
}

bool CurlMultiClient::start_mail(Transfer& transfer) {
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
  set(curl_easy_setopt(easy, CURLOPT_PRIVATE, &transfer));
  set(curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &CurlMultiClient::on_close));
  set(curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this));
  return ok;
}

CURL* CurlMultiClient::take_easy() {
  if (idle_easies_.empty()) return curl_easy_init();
  CURL* easy = idle_easies_.back();
  idle_easies_.pop_back();
  return easy;
}

void CurlMultiClient::recycle_easy(CURL* easy) {
  // Every option goes back to its default (the policy callbacks included: post() sets them
  // again); connections live in the multi handle's pool, not here.
  curl_easy_reset(easy);
  if (idle_easies_.size() < static_cast<std::size_t>(options_.max_total_connections)) {
    idle_easies_.push_back(easy);
  } else {
    curl_easy_cleanup(easy);
  }
}

}  // namespace deadline::delivery
