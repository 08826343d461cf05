#include "http/session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "http/client_address.h"
#include "http/endpoint.h"
#include "http/page_errors.h"
#include "http/response.h"
#include "http/router.h"

namespace deadline::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using beast::error_code;

namespace {

// After refusing a request whose bytes were not all read, the rest is read and dropped for a
// moment before closing: closing a socket with unread data sends a reset, and the client may
// then lose the refusal it has not read yet.
constexpr std::chrono::seconds kLingerTime{2};
constexpr std::size_t kLingerBytes = 1024 * 1024;

bool is_parse_error(const error_code& ec) {
  return ec.category() == beast::http::make_error_code(beast::http::error::bad_method).category();
}

// Framing Beast accepts but RFC 9112 does not, or "" when the request is framed soundly. Beast
// reads a request whose Transfer-Encoding does not end in chunked as having no body (or the body
// its Content-Length gives), so the bytes after its head would be taken as the next request on
// the connection, while a proxy in front may read them as this request's body: request smuggling.
// RFC 9112 6.3 (a Transfer-Encoding whose last coding is not chunked: 400 and close) and 6.1
// (Transfer-Encoding in HTTP/1.0 is faulty framing). Content-Length beside chunked, chunked twice
// and conflicting Content-Lengths Beast refuses itself.
std::string framing_problem(const beast::http::request_parser<beast::http::string_body>& parser) {
  const auto& request = parser.get();
  if (request.find(beast::http::field::transfer_encoding) == request.end()) return {};
  if (request.version() < 11) return "Transfer-Encoding in an HTTP/1.0 request";
  if (!parser.chunked()) return "Transfer-Encoding whose last coding is not chunked";
  return {};
}

}  // namespace

Session::Session(asio::ip::tcp::socket&& socket, std::shared_ptr<ServerContext> context,
                 const asio::ip::address& peer_address, ConnectionSlot slot)
    : stream_(std::move(socket)), context_(std::move(context)), peer_address_(peer_address), slot_(std::move(slot)) {
  error_code ec;
  const auto peer = stream_.socket().remote_endpoint(ec);
  peer_ = ec ? "unknown peer" : to_string(peer);
}

Session::~Session() { context_->sessions.remove(this); }

void Session::run() {
  // The socket came from the acceptor on this session's strand; run every step there.
  asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::start, shared_from_this()));
}

void Session::stop() {
  asio::post(stream_.get_executor(), beast::bind_front_handler(&Session::on_stop, shared_from_this()));
}

void Session::start() {
  if (!context_->sessions.add(shared_from_this())) return do_close();
  do_read();
}

void Session::do_read() {
  parser_.emplace();
  parser_->header_limit(context_->limits.header_limit);
  parser_->body_limit(context_->limits.body_limit);
  reading_ = true;
  // One deadline for the whole request (every read until it is complete), not one per read: a
  // client trickling bytes (slowloris) is closed at the same time as an idle one.
  stream_.expires_after(context_->limits.read_timeout);
  beast::http::async_read(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session::on_read, shared_from_this()));
}

void Session::on_read(error_code ec, std::size_t) {
  reading_ = false;
  using error = beast::http::error;
  if (ec == error::end_of_stream || ec == error::partial_message || ec == beast::error::timeout ||
      ec == asio::error::operation_aborted) {
    return do_close();  // the client left, went idle past the timeout, or the server is stopping
  }
  if (ec == error::header_limit) {
    return reject(Status::request_header_fields_too_large, "header_too_large",
                  "the request line and headers exceed " +
                      std::to_string(context_->limits.header_limit) + " bytes");
  }
  if (ec == error::body_limit) {
    return reject(Status::payload_too_large, "body_too_large",
                  "the request body exceeds " + std::to_string(context_->limits.body_limit) + " bytes");
  }
  if (is_parse_error(ec)) return reject(Status::bad_request, "bad_request", "malformed HTTP request: " + ec.message());
  if (ec) {
    fail(ec, "read");
    return do_close();
  }
  if (const std::string problem = framing_problem(*parser_); !problem.empty()) {
    return reject(Status::bad_request, "bad_request", "malformed HTTP request: " + problem);
  }
  target_ = std::string(parser_->get().target());
  error_target_ = target_;
  accept_ = std::string(parser_->get()[Field::accept]);
  head_ = parser_->get().method() == Verb::head;
  if (context_->app.store_routes) {
    const RequestInfo info{client_address(peer_address_, parser_->get(), context_->limits.trusted_proxies)};
    const bool taken = context_->app.store_routes(parser_->get(), info, [self = shared_from_this()](Response response) {
      asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        if (self->stopping_) response.keep_alive(false);
        self->send(std::move(response), false);
      });
    });
    if (taken) return;
  }
  Response response = handle_request(context_->app, parser_->get());
  if (stopping_) response.keep_alive(false);
  send(std::move(response), false);
}

void Session::reject(Status status, std::string_view code, const std::string& message) {
  target_.clear();
  head_ = false;
  // Beast reads the request line before the fields: a body refused for its Content-Length (413)
  // still has its target. A head too large to parse (431) has none; its first line says.
  const std::string_view parsed_target = parser_->get().target();
  if (!parsed_target.empty()) {
    error_target_ = std::string(parsed_target);
    accept_ = std::string(parser_->get()[Field::accept]);
  } else {
    const auto received = buffer_.data();
    error_target_ = std::string(request_line_target({static_cast<const char*>(received.data()), received.size()}));
    accept_.clear();
  }
  const unsigned version = parser_->is_header_done() ? parser_->get().version() : 11;
  send(error_response(status, code, "", message, ReplyTo{version, false, false}), true);
}

void Session::send(Response response, bool linger) {
  const bool json_error = response.result_int() >= 400 &&
                          std::string_view(response[Field::content_type]).starts_with("application/json");
  if (json_error && context_->app.error_page && wants_error_page(error_target_, accept_)) {
    response = as_error_page(response, context_->app.error_page(response.result_int()), head_);
  }
  response_ = std::move(response);
  if (context_->app.on_response) context_->app.on_response(target_, response_.result_int());
  stream_.expires_after(context_->limits.write_timeout);
  beast::http::async_write(stream_, response_,
                           beast::bind_front_handler(&Session::on_write, shared_from_this(), linger));
}

void Session::on_write(bool linger, error_code ec, std::size_t) {
  if (ec) {
    if (ec != beast::error::timeout) fail(ec, "write");
    return do_close();
  }
  if (linger && !stopping_) return do_linger();
  if (!response_.keep_alive() || stopping_) return do_close();
  do_read();
}

void Session::do_linger() {
  lingering_ = true;
  error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream_.expires_after(std::min<std::chrono::steady_clock::duration>(kLingerTime, context_->limits.read_timeout));
  stream_.async_read_some(asio::buffer(discard_), beast::bind_front_handler(&Session::on_drain, shared_from_this()));
}

void Session::on_drain(error_code ec, std::size_t bytes) {
  drained_ += bytes;
  if (ec || drained_ > kLingerBytes) return do_close();
  stream_.async_read_some(asio::buffer(discard_), beast::bind_front_handler(&Session::on_drain, shared_from_this()));
}

void Session::do_close() {
  error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream_.close();
}

void Session::on_stop() {
  stopping_ = true;
  // Waiting for a request that has not begun, or draining a refused one: nothing is in flight.
  const bool idle = reading_ && buffer_.size() == 0 && !parser_->got_some();
  if (idle || lingering_) stream_.cancel();
}

void Session::fail(error_code ec, std::string_view what) {
  context_->report("http: " + std::string(what) + " " + peer_ + ": " + ec.message());
}

}  // namespace deadline::http
