#pragma once
// A test HTTP/1.1 client over one TCP connection to 127.0.0.1: whole
// requests and responses (keep-alive: several on the same connection), raw
// bytes (for framing and smuggling tests), and incremental reading of an SSE
// response. Every read has a deadline; nothing blocks forever.
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace itest {

using Headers = std::vector<std::pair<std::string, std::string>>;

bool iequals(std::string_view a, std::string_view b);
// The value of the first header called `name` (case-insensitive), "" when absent.
std::string header_value(const Headers& headers, std::string_view name);
std::size_t header_count(const Headers& headers, std::string_view name);

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;
  bool keep_alive = false;

  std::string header(std::string_view name) const { return header_value(headers, name); }
  bool has_header(std::string_view name) const { return header_count(headers, name) > 0; }
  boost::json::value json() const;  // throws when the body is not JSON
};

struct SseEvent {
  std::string event;  // the "event:" field, "" when absent
  std::string data;   // the "data:" lines joined with '\n'
};

// Status codes of every response status line in raw bytes ("HTTP/1.1 400 ...").
std::vector<int> raw_statuses(std::string_view data);

class TestClient {
 public:
  // Connects to 127.0.0.1:port; `timeout` bounds every later read or write.
  explicit TestClient(std::uint16_t port,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  // Sends a request and reads the whole response. Host, Content-Length and
  // (with a body) Content-Type: application/json are added unless given.
  HttpResponse request(std::string_view method, std::string_view target, std::string_view body = {},
                       const Headers& headers = {});
  HttpResponse get(std::string_view target) { return request("GET", target); }
  HttpResponse post(std::string_view target, std::string_view body, const Headers& headers = {}) {
    return request("POST", target, body, headers);
  }

  void send_request(std::string_view method, std::string_view target, std::string_view body = {},
                    const Headers& headers = {});
  // Reads one whole response (throws on timeout or a broken connection).
  HttpResponse read_response();

  // Raw bytes, no framing.
  void send_raw(std::string_view bytes);
  struct RawRead {
    std::string data;  // everything received (including bytes already buffered)
    bool eof = false;  // the peer closed the connection (not a timeout)
  };
  // Reads until the peer closes or `timeout` passes (one deadline in total).
  RawRead read_until_close(std::chrono::milliseconds timeout);

  // Streaming: read the status line and headers, then the body event by event.
  HttpResponse read_response_head();
  // The next SSE event, or nullopt when the body ended or failed: then
  // body_complete() tells a clean end (final chunk) from a failure.
  std::optional<SseEvent> next_event();
  bool body_complete() const { return body_complete_; }
  const std::string& stream_error() const { return stream_error_; }
  // Bytes of the streamed body received so far.
  std::string streamed_body() const;

  void close();
  bool is_open() const;

 private:
  using Parser = boost::beast::http::response_parser<boost::beast::http::string_body>;
  template <class Start>
  boost::beast::error_code run(Start&& start, std::chrono::milliseconds timeout);
  HttpResponse to_response(Parser& parser) const;

  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::chrono::milliseconds timeout_;
  std::uint16_t port_;
  std::optional<Parser> stream_parser_;
  std::size_t last_bytes_ = 0;  // bytes moved by the last operation
  std::size_t consumed_ = 0;
  bool body_complete_ = false;
  std::string stream_error_;
};

}  // namespace itest
