#include "delivery/curl_multi_client.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstdint>
#include <stdexcept>

#include "delivery/curl_transfer.h"

namespace deadline::delivery {

namespace asio = boost::asio;

CurlMultiClient::CurlMultiClient(asio::io_context& io, CurlMultiOptions options)
    : io_(io),
      options_(std::move(options)),
      multi_(curl_multi_init()),
      epoll_(epoll_create1(EPOLL_CLOEXEC)),
      wake_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!multi_ || epoll_ < 0 || wake_ < 0) throw std::runtime_error("cannot set up the HTTP client (libcurl, epoll)");
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = wake_;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &event);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlMultiClient::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlMultiClient::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, options_.max_host_connections);
  curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS, options_.max_total_connections);
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "delivery");
    run();
  });
}

CurlMultiClient::~CurlMultiClient() {
  {
    const std::lock_guard<std::mutex> lock(mailbox_->mutex);
    mailbox_->stopping = true;
    mailbox_->abandoned = true;
    mailbox_->incoming.clear();
    mailbox_->finished.clear();
  }
  wake();
  thread_.join();
  // Shut the sockets of transfers still in flight first: removing an SMTP transfer makes libcurl
  // say QUIT and wait for the answer, blocking, and a relay that never answers would hold the
  // daemon's exit for minutes after the shutdown grace (seen with a silent relay in
  // tests/reliability/fanout_crash_test.py). A shut socket fails that wait at once.
  for (const auto& [socket, watched] : sockets_) ::shutdown(socket, SHUT_RDWR);
  for (auto& [easy, transfer] : transfers_) {
    curl_multi_remove_handle(multi_, easy);
    curl_easy_cleanup(easy);
  }
  transfers_.clear();
  for (CURL* easy : idle_easies_) curl_easy_cleanup(easy);
  curl_multi_cleanup(multi_);
  close(wake_);
  close(epoll_);
}

void CurlMultiClient::post(HttpRequest request, std::function<void(HttpResult)> done) {
  if (in_flight_.fetch_add(1, std::memory_order_relaxed) == 0) work_.emplace(io_.get_executor());
  auto transfer = std::make_unique<CurlTransfer>(std::move(request), std::move(done));
  bool wake = false;
  {
    const std::lock_guard<std::mutex> lock(mailbox_->mutex);
    // The delivery thread takes the whole batch at once: only the first request after a take
    // needs to wake it.
    wake = mailbox_->incoming.empty();
    mailbox_->incoming.push_back(std::move(transfer));
  }
  if (wake) this->wake();
}

void CurlMultiClient::wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = write(wake_, &one, sizeof one);  // fails only when already due
}

void CurlMultiClient::run() {
  std::vector<std::unique_ptr<CurlTransfer>> incoming, finished;
  epoll_event events[64];
  for (;;) {
    {
      const std::lock_guard<std::mutex> lock(mailbox_->mutex);
      if (mailbox_->stopping) return;
      incoming.swap(mailbox_->incoming);
    }
    // Adding a handle sets a timeout of 0 (on_timer): the transfers start below without waiting.
    for (auto& transfer : incoming) start(std::move(transfer), finished);
    incoming.clear();
    const int ready = epoll_wait(epoll_, events, 64, wait_ms());
    int running = 0;
    for (int i = 0; i < ready; ++i) {
      const int fd = events[i].data.fd;
      if (fd == wake_) {
        std::uint64_t count = 0;
        [[maybe_unused]] const ssize_t read_bytes = read(wake_, &count, sizeof count);
        continue;
      }
      const auto known = sockets_.find(fd);
      if (known == sockets_.end() || !known->second.wanted) {
        // Idle and readable: the receiver closed a kept-alive connection. libcurl finds that out
        // when it next picks the connection; until then nobody waits on it here.
        epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
        if (known != sockets_.end()) known->second.registered = 0;
        continue;
      }
      const std::uint32_t e = events[i].events;
      const int what = ((e & EPOLLIN) ? CURL_CSELECT_IN : 0) | ((e & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
                       ((e & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
      curl_multi_socket_action(multi_, fd, what, &running);
    }
    if (timeout_at_ && *timeout_at_ <= std::chrono::steady_clock::now()) {
      timeout_at_.reset();  // before the call: it may set the next one
      curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    collect(finished);
    if (!finished.empty()) hand_out(finished);
  }
}

int CurlMultiClient::wait_ms() const {
  if (!timeout_at_) return 1000;  // nothing timed: the wake-up eventfd or a socket ends the wait
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(*timeout_at_ - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 1000));
}

// libcurl names each socket and what to wait for (level triggered). See Socket in the header.
int CurlMultiClient::on_socket(CURL*, curl_socket_t socket, int what, void* client, void*) {
  auto* self = static_cast<CurlMultiClient*>(client);
  if (what == CURL_POLL_REMOVE) {
    if (const auto it = self->sockets_.find(socket); it != self->sockets_.end()) it->second.wanted = false;
    return 0;
  }
  Socket& s = self->sockets_[socket];
  const bool was_idle = !s.wanted;  // or new
  s.wanted = true;
  const std::uint32_t events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
  if (!was_idle && s.registered == events) return 0;
  // After idleness the number may stand for another socket: libcurl closes a few of its own (a
  // resolver's socket pair) without on_close, and the kernel then drops them from the set. One
  // MOD, or an ADD when epoll no longer knows the descriptor, is right either way.
  epoll_event event{};
  event.events = events;
  event.data.fd = socket;
  if (epoll_ctl(self->epoll_, EPOLL_CTL_MOD, socket, &event) != 0 && errno == ENOENT) {
    epoll_ctl(self->epoll_, EPOLL_CTL_ADD, socket, &event);
  }
  s.registered = events;
  return 0;
}

int CurlMultiClient::on_close(void* client, curl_socket_t socket) {
  auto* self = static_cast<CurlMultiClient*>(client);
  if (self->sockets_.erase(socket) > 0) epoll_ctl(self->epoll_, EPOLL_CTL_DEL, socket, nullptr);
  return close(socket);
}

int CurlMultiClient::on_timer(CURLM*, long timeout_ms, void* client) {
  auto* self = static_cast<CurlMultiClient*>(client);
  if (timeout_ms < 0) {
    self->timeout_at_.reset();
  } else {
    self->timeout_at_ = std::chrono::steady_clock::now() + std::chrono::milliseconds{timeout_ms};
  }
  return 0;
}

void CurlMultiClient::start(std::unique_ptr<CurlTransfer> transfer, std::vector<std::unique_ptr<CurlTransfer>>& finished) {
  transfer->easy = take_easy();
  if (!transfer->easy) {
    transfer->result.error = "cannot create a libcurl handle";
    finished.push_back(std::move(transfer));
    return;
  }
  CURL* easy = transfer->easy;
  const bool prepared = prepare_transfer(*transfer, options_.user_agent) &&
                        curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &CurlMultiClient::on_close) == CURLE_OK &&
                        curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this) == CURLE_OK;
  if (!prepared || curl_multi_add_handle(multi_, easy) != CURLM_OK) {
    if (transfer->result.error.empty()) transfer->result.error = "cannot start the transfer";
    transfer->easy = nullptr;
    recycle_easy(easy);
    finished.push_back(std::move(transfer));
    return;
  }
  transfers_.emplace(easy, std::move(transfer));
}

void CurlMultiClient::collect(std::vector<std::unique_ptr<CurlTransfer>>& finished) {
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
    if (message->msg != CURLMSG_DONE) continue;
    CURL* easy = message->easy_handle;
    const CURLcode code = message->data.result;
    const auto it = transfers_.find(easy);
    if (it == transfers_.end()) continue;
    std::unique_ptr<CurlTransfer> transfer = std::move(it->second);
    transfers_.erase(it);
    curl_multi_remove_handle(multi_, easy);
    finish_transfer(*transfer, code);
    transfer->easy = nullptr;
    recycle_easy(easy);
    finished.push_back(std::move(transfer));
  }
}

// One post to the io_context per batch: while the io_context has not yet taken the previous
// batch, further results join it.
void CurlMultiClient::hand_out(std::vector<std::unique_ptr<CurlTransfer>>& finished) {
  bool post = false;
  {
    const std::lock_guard<std::mutex> lock(mailbox_->mutex);
    post = mailbox_->finished.empty();
    for (auto& transfer : finished) mailbox_->finished.push_back(std::move(transfer));
  }
  finished.clear();
  if (post) asio::post(io_, [mailbox = mailbox_, this] { deliver(mailbox, this); });
}

// On the io_context. `client` is used only while the mailbox says it still exists (the client is
// destroyed on this same thread, so it cannot go away during the call).
void CurlMultiClient::deliver(const std::shared_ptr<Mailbox>& mailbox, CurlMultiClient* client) {
  std::vector<std::unique_ptr<CurlTransfer>> batch;
  {
    const std::lock_guard<std::mutex> lock(mailbox->mutex);
    if (mailbox->abandoned) return;
    batch.swap(mailbox->finished);
  }
  for (auto& transfer : batch) {
    // Counted out before the callback, which may post the next request.
    if (client->in_flight_.fetch_sub(1, std::memory_order_relaxed) == 1) client->work_.reset();
    const std::function<void(HttpResult)> done = std::move(transfer->done);
    HttpResult result = std::move(transfer->result);
    transfer.reset();
    done(std::move(result));
    // A callback may destroy the client (a test ending, say): then stop calling.
    const std::lock_guard<std::mutex> lock(mailbox->mutex);
    if (mailbox->abandoned) return;
  }
}

CURL* CurlMultiClient::take_easy() {
  if (idle_easies_.empty()) return curl_easy_init();
  CURL* easy = idle_easies_.back();
  idle_easies_.pop_back();
  return easy;
}

void CurlMultiClient::recycle_easy(CURL* easy) {
  // Every option goes back to its default (the policy callbacks included: prepare_transfer sets
  // them again); connections live in the multi handle's pool, not here.
  curl_easy_reset(easy);
  if (idle_easies_.size() < static_cast<std::size_t>(options_.max_total_connections)) {
    idle_easies_.push_back(easy);
  } else {
    curl_easy_cleanup(easy);
  }
}

}  // namespace deadline::delivery
