#pragma once
// The byte stream under a client session: plain TCP or TLS over TCP. The
// session is written once against this small interface (read some, write
// all, deadlines, close) instead of against a concrete Beast stream, so the
// same HTTP code serves both listeners.
#include <array>
#include <chrono>
#include <memory>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

namespace switchyard {

namespace net = boost::asio;

using IoResult = std::pair<boost::system::error_code, std::size_t>;

class ConnectionStream {
 public:
  virtual ~ConnectionStream() = default;

  // TLS: the server handshake. Plain TCP: nothing to do.
  virtual net::awaitable<boost::system::error_code> handshake() = 0;
  virtual net::awaitable<IoResult> read_some(net::mutable_buffer buffer) = 0;
  virtual net::awaitable<IoResult> write(std::array<net::const_buffer, 2> buffers) = 0;
  // Ends the connection: TLS sends close_notify (bounded by the current
  // deadline), then the TCP send side is shut down.
  virtual net::awaitable<void> shutdown() = 0;

  // One deadline for every operation until changed (Beast's tcp_stream timer).
  virtual void expires_after(std::chrono::milliseconds timeout) = 0;
  virtual void expires_never() = 0;
  virtual net::ip::tcp::socket& socket() = 0;
};

std::unique_ptr<ConnectionStream> make_plain_stream(net::ip::tcp::socket socket);
std::unique_ptr<ConnectionStream> make_tls_stream(net::ip::tcp::socket socket,
                                                  std::shared_ptr<net::ssl::context> context);

}  // namespace switchyard
