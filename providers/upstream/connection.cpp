#include "providers/upstream/connection.hpp"

#include <sys/socket.h>

#include <cerrno>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/ssl.hpp>

namespace switchyard::providers {

namespace net = boost::asio;
namespace beast = boost::beast;

namespace {
constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t kReadChunk = 16 * 1024;

template <class Stream>
net::awaitable<error_code> write_on(Stream& stream, std::string_view bytes) {
  auto [ec, written] = co_await net::async_write(stream, net::buffer(bytes), kUseTuple);
  (void)written;
  co_return ec;
}

template <class Stream>
net::awaitable<std::pair<error_code, std::size_t>> read_on(Stream& stream, char* buffer) {
  auto [ec, bytes] = co_await stream.async_read_some(net::buffer(buffer, kReadChunk), kUseTuple);
  co_return std::pair{ec, bytes};
}
}  // namespace

UpstreamConnection::UpstreamConnection(std::unique_ptr<beast::tcp_stream> plain)
    : plain_(std::move(plain)), buffer_(std::make_unique<char[]>(kReadChunk)) {}

UpstreamConnection::UpstreamConnection(std::unique_ptr<TlsStream> tls)
    : tls_(std::move(tls)), buffer_(std::make_unique<char[]>(kReadChunk)) {}

UpstreamConnection::~UpstreamConnection() {
  close();
}

beast::tcp_stream& UpstreamConnection::tcp() {
  return tls_ ? beast::get_lowest_layer(*tls_) : *plain_;
}
const beast::tcp_stream& UpstreamConnection::tcp() const {
  return tls_ ? beast::get_lowest_layer(*tls_) : *plain_;
}

bool UpstreamConnection::is_open() const {
  return tcp().socket().is_open();
}

net::awaitable<error_code> UpstreamConnection::write(std::string_view bytes,
                                                     config::Millis timeout) {
  tcp().expires_after(timeout);
  if (tls_) co_return co_await write_on(*tls_, bytes);
  co_return co_await write_on(*plain_, bytes);
}

net::awaitable<error_code> UpstreamConnection::read_into(ResponseReader& reader, std::string& body,
                                                         config::Millis timeout) {
  tcp().expires_after(timeout);
  auto [ec, bytes] =
      tls_ ? co_await read_on(*tls_, buffer_.get()) : co_await read_on(*plain_, buffer_.get());
  // Bytes that came with an error still count (a last read before EOF).
  if (bytes > 0) reader.feed(std::string_view(buffer_.get(), bytes), body);
  // A TLS peer that closes without close_notify is treated like a TCP close:
  // many servers do it, and the reader still checks the framing.
  if (ec == net::error::eof || ec == net::ssl::error::stream_truncated ||
      ec == net::error::connection_reset) {
    reader.finish();
    co_return error_code{};
  }
  co_return ec;
}

net::awaitable<error_code> UpstreamConnection::read_head(ResponseReader& reader, std::string& body,
                                                         config::Millis timeout) {
  while (!reader.head_ready() && reader.status() == ResponseReader::Status::need_more) {
    if (error_code ec = co_await read_into(reader, body, timeout)) co_return ec;
  }
  co_return error_code{};
}

UpstreamConnection::IdleState UpstreamConnection::idle_state() const {
  if (!is_open()) return IdleState::closed;
  // Decrypted bytes waiting in OpenSSL are data nobody asked for. Raw bytes
  // under TLS may be a close_notify alert rather than data: closed either way,
  // but only plain bytes can be told to be an unsolicited answer.
  if (tls_ && SSL_pending(const_cast<TlsStream&>(*tls_).native_handle()) > 0) {
    return IdleState::unsolicited_bytes;
  }
  char byte = 0;
  auto fd = const_cast<beast::tcp_stream&>(tcp()).socket().native_handle();
  ssize_t peeked = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return IdleState::quiet;
  if (peeked > 0 && !tls_) return IdleState::unsolicited_bytes;
  return IdleState::closed;
}

void UpstreamConnection::close() {
  error_code ignored;
  auto& socket = tcp().socket();
  if (!socket.is_open()) return;
  socket.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace switchyard::providers
