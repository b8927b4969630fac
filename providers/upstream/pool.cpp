#include "providers/upstream/pool.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace switchyard::providers {

namespace {
constexpr auto kDnsTtl = std::chrono::seconds(30);
constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t kReadChunk = 16 * 1024;

template <class Stream>
net::awaitable<error_code> read_header_on(Stream& stream, beast::flat_buffer& buffer,
                                          ResponseParser& parser) {
  auto [ec, bytes] = co_await http::async_read_header(stream, buffer, parser, kUseTuple);
  (void)bytes;
  co_return ec;
}

template <class Stream>
net::awaitable<error_code> read_raw_on(Stream& stream, beast::flat_buffer& buffer) {
  auto [ec, bytes] = co_await stream.async_read_some(buffer.prepare(kReadChunk), kUseTuple);
  buffer.commit(bytes);
  co_return ec;
}

template <class Stream>
net::awaitable<error_code> write_raw_on(Stream& stream, std::string_view bytes) {
  auto [ec, written] = co_await net::async_write(stream, net::buffer(bytes), kUseTuple);
  (void)written;
  co_return ec;
}
}  // namespace

std::string host_header(const config::Url& url) {
  bool default_port = (url.tls && url.port == 443) || (!url.tls && url.port == 80);
  return default_port ? url.host : url.host + ":" + std::to_string(url.port);
}

UpstreamConnection::UpstreamConnection(std::unique_ptr<beast::tcp_stream> plain,
                                       std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls)
    : plain_(std::move(plain)), tls_(std::move(tls)) {}

beast::tcp_stream& UpstreamConnection::tcp() {
  return tls_ ? beast::get_lowest_layer(*tls_) : *plain_;
}

net::awaitable<error_code> UpstreamConnection::write(std::string_view request_bytes,
                                                     config::Millis timeout) {
  tcp().expires_after(timeout);
  if (tls_) co_return co_await write_raw_on(*tls_, request_bytes);
  co_return co_await write_raw_on(*plain_, request_bytes);
}

net::awaitable<error_code> UpstreamConnection::read_header(ResponseParser& parser,
                                                           config::Millis timeout) {
  tcp().expires_after(timeout);
  if (tls_) co_return co_await read_header_on(*tls_, buffer_, parser);
  co_return co_await read_header_on(*plain_, buffer_, parser);
}

error_code UpstreamConnection::parse_buffered(ResponseParser& parser, std::string& out,
                                              std::size_t max_bytes) {
  if (!body_scratch_) body_scratch_ = std::make_unique<char[]>(kReadChunk);
  error_code ec;
  while (buffer_.size() > 0 && !parser.is_done()) {
    std::size_t room = std::min(kReadChunk, max_bytes > out.size() ? max_bytes - out.size() : 0);
    if (room == 0) return http::error::body_limit;
    auto& body = parser.get().body();
    body.data = body_scratch_.get();
    body.size = room;
    body.more = true;
    std::size_t used = parser.put(buffer_.data(), ec);
    buffer_.consume(used);
    out.append(body_scratch_.get(), room - body.size);
    if (ec == http::error::need_buffer) ec = {};  // scratch full: go round again
    if (ec == http::error::need_more) return {};  // a partial chunk header: read more
    if (ec) return ec;
    if (used == 0 && body.size == room) break;  // no progress without more input
  }
  return ec;
}

net::awaitable<error_code> UpstreamConnection::read_more(config::Millis timeout) {
  // Re-armed before every read: an idle gap, not a whole-body deadline, so a
  // long stream lives as long as tokens keep coming.
  tcp().expires_after(timeout);
  if (tls_) co_return co_await read_raw_on(*tls_, buffer_);
  co_return co_await read_raw_on(*plain_, buffer_);
}

net::awaitable<error_code> UpstreamConnection::read_body_some(ResponseParser& parser,
                                                              std::string& out,
                                                              std::size_t max_bytes,
                                                              config::Millis timeout) {
  std::size_t before = out.size();
  for (;;) {
    if (error_code ec = parse_buffered(parser, out, max_bytes)) co_return ec;
    if (parser.is_done() || out.size() > before) co_return error_code{};
    error_code ec = co_await read_more(timeout);
    if (ec == net::error::eof || ec == net::ssl::error::stream_truncated) {
      // A body delimited by the connection closing ends here; any other body
      // is cut short.
      error_code eof_ec;
      parser.put_eof(eof_ec);
      co_return parser.is_done() ? eof_ec : http::error::partial_message;
    }
    if (ec) co_return ec;
  }
}

std::string serialize_request(std::string_view method, std::string_view target,
                              const config::Url& url,
                              const std::vector<std::pair<std::string, std::string>>& headers,
                              std::string_view body) {
  std::string out;
  out.reserve(256 + body.size());
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ");
  out.append(host_header(url)).append("\r\n");
  for (const auto& [name, value] : headers) {
    out.append(name).append(": ").append(value).append("\r\n");
  }
  out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
  out.append(body);
  return out;
}

void UpstreamConnection::close() {
  error_code ignored;
  tcp().socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  tcp().socket().close(ignored);
}

UpstreamPool::UpstreamPool(net::any_io_executor executor)
    : executor_(executor), resolver_(executor) {}

UpstreamPool::~UpstreamPool() = default;

std::string UpstreamPool::pool_key(const config::Provider& provider) {
  return (provider.url.tls ? "https://" : "http://") + provider.url.host + ":" +
         std::to_string(provider.url.port) + "|" + provider.ca_file;
}

std::size_t UpstreamPool::idle_count(const config::Provider& provider) const {
  auto it = idle_.find(pool_key(provider));
  return it == idle_.end() ? 0 : it->second.size();
}

void UpstreamPool::clear() {
  for (auto& [key, connections] : idle_) {
    for (auto& connection : connections) connection->close();
  }
  idle_.clear();
}

void UpstreamPool::release(const config::Provider& provider,
                           std::unique_ptr<UpstreamConnection> connection) {
  auto& idle = idle_[pool_key(provider)];
  if (idle.size() >= provider.max_connections) {
    connection->close();
    return;
  }
  connection->idle_since = std::chrono::steady_clock::now();
  idle.push_back(std::move(connection));
}

net::awaitable<ConnectResult> UpstreamPool::acquire(const config::Provider& provider) {
  auto it = idle_.find(pool_key(provider));
  if (it != idle_.end()) {
    auto now = std::chrono::steady_clock::now();
    auto& idle = it->second;
    // Most recently used first: the likeliest to still be open.
    while (!idle.empty()) {
      std::unique_ptr<UpstreamConnection> connection = std::move(idle.back());
      idle.pop_back();
      if (now - connection->idle_since < provider.pool_idle &&
          connection->tcp().socket().is_open()) {
        connection->reused = true;
        co_return ConnectResult{std::move(connection), FailureKind::none, {}};
      }
      connection->close();
    }
  }
  co_return co_await connect(provider);
}

net::ssl::context* UpstreamPool::tls_context(const config::Provider& provider, std::string& error) {
  auto& slot = tls_contexts_[provider.ca_file];
  if (slot) return slot.get();
  auto context = std::make_unique<net::ssl::context>(net::ssl::context::tls_client);
  error_code ec;
  context->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                       net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                       net::ssl::context::no_tlsv1_1);
  context->set_default_verify_paths(ec);
  if (!provider.ca_file.empty()) {
    context->load_verify_file(provider.ca_file, ec);
    if (ec) {
      error = "cannot load CA file for provider '" + provider.name + "': " + ec.message();
      tls_contexts_.erase(provider.ca_file);
      return nullptr;
    }
  }
  context->set_verify_mode(net::ssl::verify_peer);
  slot = std::move(context);
  return slot.get();
}

net::awaitable<ConnectResult> UpstreamPool::connect(const config::Provider& provider) {
  const std::string host_key = provider.url.host + ":" + std::to_string(provider.url.port);
  auto now = std::chrono::steady_clock::now();
  net::ip::tcp::resolver::results_type endpoints;
  if (auto cached = dns_cache_.find(host_key);
      cached != dns_cache_.end() && cached->second.expires > now) {
    endpoints = cached->second.results;
  } else {
    auto [ec, results] = co_await resolver_.async_resolve(
        provider.url.host, std::to_string(provider.url.port), kUseTuple);
    if (ec) {
      co_return ConnectResult{nullptr, FailureKind::connect,
                              "cannot resolve the address of provider '" + provider.name + "'"};
    }
    endpoints = results;
    dns_cache_[host_key] = ResolvedHost{results, now + kDnsTtl};
  }

  auto tcp = std::make_unique<beast::tcp_stream>(executor_);
  tcp->expires_after(provider.timeouts.connect);
  auto [connect_ec, endpoint] = co_await tcp->async_connect(endpoints, kUseTuple);
  (void)endpoint;
  if (connect_ec) {
    bool timed_out = connect_ec == beast::error::timeout;
    co_return ConnectResult{
        nullptr, timed_out ? FailureKind::timeout : FailureKind::connect,
        std::string(timed_out ? "timed out connecting to" : "cannot connect to") + " provider '" +
            provider.name + "'"};
  }
  error_code ignored;
  tcp->socket().set_option(net::ip::tcp::no_delay(true), ignored);
  if (!provider.url.tls) {
    co_return ConnectResult{
        std::make_unique<UpstreamConnection>(std::move(tcp), nullptr), FailureKind::none, {}};
  }

  std::string context_error;
  net::ssl::context* context = tls_context(provider, context_error);
  if (context == nullptr) co_return ConnectResult{nullptr, FailureKind::tls, context_error};
  auto tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*tcp), *context);
  // SNI, and the certificate must name the host we dialled.
  if (!SSL_set_tlsext_host_name(tls->native_handle(), provider.url.host.c_str())) {
    co_return ConnectResult{nullptr, FailureKind::tls,
                            "cannot set TLS server name for provider '" + provider.name + "'"};
  }
  // OpenSSL's own name check (rather than a verify callback) so a mismatch
  // is reported as "hostname mismatch", not as an unspecified error.
  error_code address_ec;
  net::ip::make_address(provider.url.host, address_ec);
  X509_VERIFY_PARAM* verify_param = SSL_get0_param(tls->native_handle());
  bool name_set = address_ec
                      ? SSL_set1_host(tls->native_handle(), provider.url.host.c_str()) == 1
                      : X509_VERIFY_PARAM_set1_ip_asc(verify_param, provider.url.host.c_str()) == 1;
  if (!name_set) {
    co_return ConnectResult{nullptr, FailureKind::tls,
                            "cannot set the TLS host check for provider '" + provider.name + "'"};
  }
  X509_VERIFY_PARAM_set_hostflags(verify_param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  beast::get_lowest_layer(*tls).expires_after(provider.timeouts.connect);
  auto [handshake_ec] = co_await tls->async_handshake(net::ssl::stream_base::client, kUseTuple);
  if (handshake_ec) {
    std::string reason = handshake_ec.message();
    long verify = SSL_get_verify_result(tls->native_handle());
    if (verify != X509_V_OK) reason = X509_verify_cert_error_string(verify);
    co_return ConnectResult{
        nullptr, FailureKind::tls,
        "TLS handshake with provider '" + provider.name + "' failed: " + reason};
  }
  co_return ConnectResult{
      std::make_unique<UpstreamConnection>(nullptr, std::move(tls)), FailureKind::none, {}};
}

}  // namespace switchyard::providers
