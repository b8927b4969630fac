#pragma once
// The upstream HTTP/1.1 client: one connection pool per worker, keyed by
// upstream address, plain TCP or TLS (peer verified against the system CAs or
// a provider's CA file, SNI, hostname check), DNS results cached with a TTL.
// A connection goes back to the pool only after a cleanly framed response.
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "config/config.hpp"
#include "providers/codec.hpp"

namespace switchyard::providers {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

using ResponseParser = http::response_parser<http::buffer_body>;

// The Host header for an upstream URL: the port only when not the default.
std::string host_header(const config::Url& url);

class UpstreamConnection {
 public:
  UpstreamConnection(std::unique_ptr<beast::tcp_stream> plain,
                     std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls);

  // Sends a complete serialised request (see serialize_request).
  net::awaitable<error_code> write(std::string_view request_bytes, config::Millis timeout);
  net::awaitable<error_code> read_header(ResponseParser& parser, config::Millis timeout);
  // Appends to `out` every body byte already buffered, reading from the
  // socket only when nothing is (so one network read yields all the SSE
  // events it carried). `out` may not grow past `max_bytes`. End of body is
  // parser.is_done().
  net::awaitable<error_code> read_body_some(ResponseParser& parser, std::string& out,
                                            std::size_t max_bytes, config::Millis timeout);
  void close();

  beast::tcp_stream& tcp();
  bool reused = false;  // taken from the pool rather than freshly connected
  std::chrono::steady_clock::time_point idle_since;

 private:
  // Feeds buffered bytes to the parser; appends body bytes to `out`.
  error_code parse_buffered(ResponseParser& parser, std::string& out, std::size_t max_bytes);
  net::awaitable<error_code> read_more(config::Millis timeout);

  std::unique_ptr<beast::tcp_stream> plain_;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  std::unique_ptr<char[]> body_scratch_;  // where the parser puts body bytes
};

// "POST /v1/chat/completions HTTP/1.1\r\nHost: ...\r\n...\r\n\r\n<body>" with
// Content-Length, written by hand: cheaper than a Beast serializer per request.
std::string serialize_request(std::string_view method, std::string_view target,
                              const config::Url& url,
                              const std::vector<std::pair<std::string, std::string>>& headers,
                              std::string_view body);

struct ConnectResult {
  std::unique_ptr<UpstreamConnection> connection;
  FailureKind failure = FailureKind::none;
  std::string message;  // names the provider, never a key
};

class UpstreamPool {
 public:
  explicit UpstreamPool(net::any_io_executor executor);
  ~UpstreamPool();

  // A pooled idle connection when one is fresh enough, else a new one.
  net::awaitable<ConnectResult> acquire(const config::Provider& provider);
  // Returns a connection after a cleanly framed, keep-alive response.
  void release(const config::Provider& provider, std::unique_ptr<UpstreamConnection> connection);
  std::size_t idle_count(const config::Provider& provider) const;
  // Drops every idle connection (shutdown, reload).
  void clear();

 private:
  struct ResolvedHost {
    net::ip::tcp::resolver::results_type results;
    std::chrono::steady_clock::time_point expires;
  };
  static std::string pool_key(const config::Provider& provider);
  net::awaitable<ConnectResult> connect(const config::Provider& provider);
  net::ssl::context* tls_context(const config::Provider& provider, std::string& error);

  net::any_io_executor executor_;
  net::ip::tcp::resolver resolver_;
  std::unordered_map<std::string, std::vector<std::unique_ptr<UpstreamConnection>>> idle_;
  std::unordered_map<std::string, ResolvedHost> dns_cache_;
  std::unordered_map<std::string, std::unique_ptr<net::ssl::context>> tls_contexts_;
};

}  // namespace switchyard::providers
