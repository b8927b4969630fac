#include "gateway/http/session.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "gateway/accounting/metrics.hpp"
#include "gateway/errors.hpp"
#include "gateway/http/http_guard.hpp"
#include "gateway/http/server.hpp"
#include "gateway/routes/table.hpp"

namespace switchyard {

namespace {
constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);
constexpr std::string_view kHeaderEnd = "\r\n\r\n";
// Room for the body to stream through the parser; the header block itself is
// capped separately by max_header_bytes.
constexpr std::size_t kBodyReadRoom = 64 * 1024;

}  // namespace

http::response<http::string_body> json_response(int status, std::string body, bool keep_alive) {
  http::response<http::string_body> response{static_cast<http::status>(status), 11};
  response.set(http::field::content_type, "application/json");
  response.set(http::field::server, "switchyard");
  response.keep_alive(keep_alive);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

Session::Session(Worker& worker, net::ip::tcp::socket socket)
    : worker_(worker),
      stream_(std::move(socket)),
      limits_(worker.snapshot()->config().server.limits) {
  buffer_.max_size(limits_.max_header_bytes + kBodyReadRoom);
  boost::system::error_code ec;
  auto endpoint = stream_.socket().remote_endpoint(ec);
  if (!ec) remote_address_ = endpoint.address().to_string();
  stream_.socket().set_option(net::ip::tcp::no_delay(true), ec);
  worker_.track(this);
  worker_.gateway().open_connections().fetch_add(1, std::memory_order_relaxed);
  worker_.gateway().accounting().metrics().connection_opened();
}

Session::~Session() {
  worker_.untrack(this);
  worker_.gateway().open_connections().fetch_sub(1, std::memory_order_relaxed);
  worker_.gateway().accounting().metrics().connection_closed();
}

void Session::drain() {
  drain_requested_ = true;
  if (idle_) {
    boost::system::error_code ignored;
    stream_.socket().cancel(ignored);
  }
}

net::awaitable<void> Session::run() {
  bool first = true;
  while (!drain_requested_) {
    if (!co_await wait_for_request_start(first)) break;
    first = false;
    if (!co_await serve_one()) break;
  }
  boost::system::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  stream_.socket().close(ignored);
}

net::awaitable<bool> Session::wait_for_request_start(bool first) {
  idle_ = true;
  if (buffer_.size() > 0) {  // pipelined bytes already here
    idle_ = false;
    co_return true;
  }
  // A new connection gets the header timeout for its first byte; a kept-alive
  // one may idle for the keep-alive timeout.
  stream_.expires_after(first ? limits_.header_timeout : limits_.idle_timeout);
  auto [ec, bytes] = co_await stream_.async_read_some(buffer_.prepare(4096), kUseTuple);
  idle_ = false;
  if (ec || bytes == 0) co_return false;
  buffer_.commit(bytes);
  co_return !drain_requested_;
}

net::awaitable<bool> Session::read_header_block(std::size_t& block_end) {
  stream_.expires_after(limits_.header_timeout);
  std::size_t searched = 0;
  for (;;) {
    std::string_view data(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    std::size_t from = searched >= 3 ? searched - 3 : 0;
    if (auto end = data.find(kHeaderEnd, from); end != std::string_view::npos) {
      block_end = end + kHeaderEnd.size();
      co_return true;
    }
    searched = data.size();
    if (data.size() >= limits_.max_header_bytes) {
      co_await reject_and_close(
          ErrorCode::headers_too_large,
          "request headers exceed " + std::to_string(limits_.max_header_bytes) + " bytes");
      co_return false;
    }
    std::size_t room = std::min<std::size_t>(4096, limits_.max_header_bytes + 4 - data.size());
    auto [ec, bytes] = co_await stream_.async_read_some(buffer_.prepare(room), kUseTuple);
    if (ec || bytes == 0) co_return false;  // timeout or gone: nothing to answer
    buffer_.commit(bytes);
  }
}

net::awaitable<bool> Session::serve_one() {
  std::size_t block_end = 0;
  if (!co_await read_header_block(block_end)) co_return false;
  std::string_view block(static_cast<const char*>(buffer_.data().data()), block_end);
  if (std::string problem = check_raw_header_block(block); !problem.empty()) {
    co_await reject_and_close(ErrorCode::invalid_request, problem);
    co_return false;
  }

  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes + 4));
  parser.body_limit(limits_.max_body_bytes);
  auto [header_ec, header_bytes] =
      co_await http::async_read_header(stream_, buffer_, parser, kUseTuple);
  (void)header_bytes;
  // Beast checks a Content-Length against the body limit while parsing the
  // header, so an oversized body can surface here.
  if (header_ec == http::error::body_limit) {
    co_await reject_too_large();
    co_return false;
  }
  if (header_ec) {
    co_await reject_and_close(ErrorCode::invalid_request,
                              "malformed HTTP request: " + header_ec.message());
    co_return false;
  }
  if (std::string problem = check_request_framing(parser.get()); !problem.empty()) {
    co_await reject_and_close(ErrorCode::invalid_request, problem);
    co_return false;
  }
  if (auto length = parser.content_length(); length && *length > limits_.max_body_bytes) {
    co_await reject_too_large();
    co_return false;
  }
  std::optional<http::fields> header_section;  // see restore_header_section
  if (parser.chunked()) header_section.emplace(parser.get());
  if (!parser.is_done()) {
    auto expect = parser.get()[http::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      stream_.expires_after(limits_.send_timeout);
      auto [ec, n] = co_await net::async_write(stream_, net::buffer(kContinue), kUseTuple);
      (void)n;
      if (ec) co_return false;
    }
    // A body may trickle in as slowly as a kept-alive connection may idle.
    stream_.expires_after(limits_.idle_timeout);
    auto [body_ec, body_bytes] = co_await http::async_read(stream_, buffer_, parser, kUseTuple);
    (void)body_bytes;
    if (body_ec == http::error::body_limit) {
      co_await reject_too_large();
      co_return false;
    }
    if (body_ec) {
      if (body_ec != beast::error::timeout && body_ec != net::error::eof &&
          body_ec != http::error::end_of_stream) {
        co_await reject_and_close(ErrorCode::invalid_request,
                                  "malformed HTTP request body: " + body_ec.message());
      }
      co_return false;
    }
  }
  stream_.expires_never();
  http::request<http::string_body> request = parser.release();
  if (header_section) restore_header_section(request, std::move(*header_section));
  bool keep_alive = co_await dispatch(*this, request);
  co_return keep_alive && !drain_requested_;
}

net::awaitable<void> Session::reject_and_close(ErrorCode code, std::string message) {
  Error error = make_error(code, std::move(message));
  auto response = json_response(http_status(error), error_body(error), false);
  co_await write_response(response);
}

net::awaitable<void> Session::reject_too_large() {
  co_await reject_and_close(
      ErrorCode::body_too_large,
      "request body exceeds " + std::to_string(limits_.max_body_bytes) + " bytes");
}

namespace {
// Status line and header fields, written by hand: one small string instead of
// a Beast serializer's buffer sequence per response.
template <class Fields>
void serialize_head(const http::response_header<Fields>& header, std::string& out) {
  out.append("HTTP/1.1 ");
  out.append(std::to_string(header.result_int()));
  out.push_back(' ');
  out.append(http::obsolete_reason(header.result()));
  out.append("\r\n");
  for (const auto& field : header) {
    out.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
  }
  out.append("\r\n");
}
}  // namespace

net::awaitable<bool> Session::write_bytes(std::string_view first, std::string_view second) {
  stream_.expires_after(limits_.send_timeout);
  std::array<net::const_buffer, 2> buffers{net::buffer(first), net::buffer(second)};
  auto [ec, bytes] = co_await net::async_write(stream_, buffers, kUseTuple);
  bytes_written_ += bytes;
  co_return !ec;
}

net::awaitable<bool> Session::write_response(http::response<http::string_body>& response) {
  if (drain_requested_) response.keep_alive(false);
  frame_.clear();
  serialize_head(response.base(), frame_);
  bool ok = co_await write_bytes(frame_, response.body());
  stream_.expires_never();
  co_return ok;
}

net::awaitable<bool> Session::write_stream_header(http::response<http::empty_body>& response) {
  if (drain_requested_) response.keep_alive(false);
  frame_.clear();
  serialize_head(response.base(), frame_);
  co_return co_await write_bytes(frame_, {});
}

net::awaitable<bool> Session::write_chunk(std::string_view data) {
  if (data.empty()) co_return true;  // an empty chunk would end the body
  char size_line[24];
  int length = std::snprintf(size_line, sizeof(size_line), "%zx\r\n", data.size());
  frame_.assign(size_line, static_cast<std::size_t>(length));
  frame_.append(data);
  co_return co_await write_bytes(frame_, "\r\n");
}

net::awaitable<bool> Session::write_last_chunk() {
  bool ok = co_await write_bytes("0\r\n\r\n", {});
  stream_.expires_never();
  co_return ok;
}

namespace {
net::awaitable<void> reject_over_cap(net::ip::tcp::socket socket, config::Millis send_timeout) {
  beast::tcp_stream stream(std::move(socket));
  auto response = json_response(
      503, error_body(make_error(ErrorCode::overloaded, "too many open connections; retry later")),
      false);
  response.set(http::field::retry_after, "1");
  stream.expires_after(send_timeout);
  co_await http::async_write(stream, response, kUseTuple);
  boost::system::error_code ignored;
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
}
// The session lives exactly as long as its coroutine.
net::awaitable<void> run_owned(std::unique_ptr<Session> session) {
  co_await session->run();
}
}  // namespace

void start_session(Worker& worker, net::ip::tcp::socket socket) {
  const auto& limits = worker.snapshot()->config().server.limits;
  if (worker.gateway().open_connections().load(std::memory_order_relaxed) >=
      limits.max_connections) {
    worker.gateway().accounting().metrics().connection_rejected();
    net::co_spawn(worker.io(), reject_over_cap(std::move(socket), limits.send_timeout),
                  net::detached);
    return;
  }
  net::co_spawn(worker.io(), run_owned(std::make_unique<Session>(worker, std::move(socket))),
                net::detached);
}

}  // namespace switchyard
