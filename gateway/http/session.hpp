#pragma once
// One client connection: HTTP/1.1 with keep-alive, the edge limits (header
// size and time, body size, idle keep-alive, send timeout for slow readers),
// framing checks, then dispatch to the routes.
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "config/config.hpp"
#include "gateway/errors.hpp"

namespace switchyard {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

class Worker;

class Session {
 public:
  Session(Worker& worker, net::ip::tcp::socket socket);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  net::awaitable<void> run();
  // Graceful shutdown: an idle connection closes now, a busy one after its
  // response.
  void drain();

  Worker& worker() { return worker_; }
  const std::string& remote_address() const { return remote_address_; }
  const config::Limits& limits() const { return limits_; }
  bool draining() const { return drain_requested_; }

  // Response writing, each bounded by the send timeout. False when the client
  // is gone or too slow; the session then closes.
  net::awaitable<bool> write_response(http::response<http::string_body>& response);
  net::awaitable<bool> write_stream_header(http::response<http::empty_body>& response);
  net::awaitable<bool> write_chunk(std::string_view data);
  net::awaitable<bool> write_last_chunk();
  std::uint64_t bytes_written() const { return bytes_written_; }
  // Waits while the client has nothing to say: true when it closed the
  // connection (or it broke), false when bytes arrived (kept for the next
  // request) or the wait was cancelled. For non-streamed answers, whose
  // client would otherwise not be missed until the answer is written.
  net::awaitable<bool> wait_for_client_eof();

 private:
  net::awaitable<bool> serve_one();
  net::awaitable<bool> wait_for_request_start(bool first);
  net::awaitable<bool> read_header_block(std::size_t& block_end);
  // An error answer, then the connection closes.
  net::awaitable<void> reject_and_close(ErrorCode code, std::string message);
  net::awaitable<void> reject_too_large();
  net::awaitable<bool> write_bytes(std::string_view first, std::string_view second);

  Worker& worker_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  config::Limits limits_;
  std::string remote_address_;
  bool idle_ = true;
  bool drain_requested_ = false;
  std::uint64_t bytes_written_ = 0;
  std::string frame_;  // reused for response heads and chunk frames
};

// Accepted socket -> a running session (or a 503 when over the connection cap).
void start_session(Worker& worker, net::ip::tcp::socket socket);

// Plain JSON response with the common headers.
http::response<http::string_body> json_response(int status, std::string body, bool keep_alive);

}  // namespace switchyard
