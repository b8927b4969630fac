#pragma once
// One client connection: HTTP/1.1 with keep-alive over a plain or TLS stream,
// the edge limits (header size and time, body size and time, idle keep-alive,
// send timeout for slow readers), framing checks, then dispatch to the routes.
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "config/config.hpp"
#include "gateway/errors.hpp"
#include "gateway/http/connection_stream.hpp"
#include "gateway/http/listener_role.hpp"

namespace switchyard {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

class Worker;

class Session {
 public:
  Session(Worker& worker, std::unique_ptr<ConnectionStream> stream, ListenerRole role);
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
  ListenerRole role() const { return role_; }
  bool draining() const { return drain_requested_; }

  // Response writing, each bounded by the send timeout. False when the client
  // is gone or too slow; the session then closes. An answer to HEAD is sent
  // without its body (the head still says the GET's length).
  net::awaitable<bool> write_response(http::response<http::string_body>& response);
  net::awaitable<bool> write_stream_header(http::response<http::empty_body>& response);
  net::awaitable<bool> write_chunk(std::string_view data);
  net::awaitable<bool> write_last_chunk();
  std::uint64_t bytes_written() const { return bytes_written_; }
  // The client's TCP socket (under TLS too), for watching it for a close
  // while a non-streamed answer is pending.
  net::ip::tcp::socket& client_socket() { return stream_->socket(); }

 private:
  using Parser = http::request_parser<http::string_body>;

  net::awaitable<bool> serve_one();
  net::awaitable<bool> wait_for_request_start(bool first);
  net::awaitable<bool> read_header_block(std::size_t& block_end);
  net::awaitable<bool> parse_header(Parser& parser, std::size_t block_end);
  net::awaitable<bool> answer_expect_continue(Parser& parser);
  net::awaitable<bool> read_body(Parser& parser);
  net::awaitable<bool> read_more(std::size_t& bytes);
  // An error answer, then the connection closes.
  net::awaitable<void> reject_and_close(ErrorCode code, std::string message);
  net::awaitable<void> reject_too_large();
  net::awaitable<void> close();
  net::awaitable<bool> write_bytes(std::string_view first, std::string_view second);
  std::string_view buffered() const;

  Worker& worker_;
  std::unique_ptr<ConnectionStream> stream_;
  ListenerRole role_;
  beast::flat_buffer buffer_;
  config::Limits limits_;
  std::size_t body_limit_ = 0;   // the current request's, by route
  std::string path_of_request_;  // the current request's, once its header parsed
  std::string remote_address_;
  bool idle_ = true;
  bool drain_requested_ = false;
  bool head_request_ = false;
  // After an error answer the client may still be sending: read and drop
  // what comes for a moment, so that closing with unread bytes does not turn
  // into a reset that destroys the answer before the client reads it.
  bool linger_ = false;
  std::uint64_t bytes_written_ = 0;
  std::string frame_;  // reused for response heads and chunk frames
};

// Accepted socket -> a running session (or a 503 when over the connection cap).
void start_session(Worker& worker, net::ip::tcp::socket socket, ListenerRole role);

// Plain JSON response with the common headers.
http::response<http::string_body> json_response(int status, std::string body, bool keep_alive);

}  // namespace switchyard
