#include "delivery/curl_multi_client.h"

#include <pthread.h>

#include <boost/asio/post.hpp>

#include "delivery/curl_transfer.h"

namespace deadline::delivery {

namespace asio = boost::asio;

CurlMultiClient::CurlMultiClient(asio::io_context& io, CurlMultiOptions options)
    : io_(io), options_(std::move(options)), multi_(curl_multi_init()) {
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
  curl_multi_wakeup(multi_);
  thread_.join();
  for (auto& [easy, transfer] : transfers_) {
    curl_multi_remove_handle(multi_, easy);
    curl_easy_cleanup(easy);
  }
  transfers_.clear();
  for (CURL* easy : idle_easies_) curl_easy_cleanup(easy);
  curl_multi_cleanup(multi_);
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
  if (wake) curl_multi_wakeup(multi_);
}

void CurlMultiClient::run() {
  std::vector<std::unique_ptr<CurlTransfer>> incoming, finished;
  for (;;) {
    {
      const std::lock_guard<std::mutex> lock(mailbox_->mutex);
      if (mailbox_->stopping) return;
      incoming.swap(mailbox_->incoming);
    }
    for (auto& transfer : incoming) start(std::move(transfer), finished);
    incoming.clear();
    int running = 0;
    curl_multi_perform(multi_, &running);
    collect(finished);
    if (!finished.empty()) hand_out(finished);
    // Returns on socket activity, libcurl's next timeout, or curl_multi_wakeup (which is not
    // lost when it comes before the poll: it writes to a socket pair the poll watches).
    curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
  }
}

void CurlMultiClient::start(std::unique_ptr<CurlTransfer> transfer, std::vector<std::unique_ptr<CurlTransfer>>& finished) {
  transfer->easy = take_easy();
  if (!transfer->easy) {
    transfer->result.error = "cannot create a libcurl handle";
    finished.push_back(std::move(transfer));
    return;
  }
  CURL* easy = transfer->easy;
  if (!prepare_transfer(*transfer, options_.user_agent) || curl_multi_add_handle(multi_, easy) != CURLM_OK) {
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
