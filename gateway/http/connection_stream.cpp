#include "gateway/http/connection_stream.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

namespace switchyard {

namespace beast = boost::beast;

namespace {

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);

// Timers and the socket live in the lowest layer for both kinds.
template <class Stream>
class BasicConnectionStream final : public ConnectionStream {
 public:
  template <class... Args>
  explicit BasicConnectionStream(Args&&... args) : stream_(std::forward<Args>(args)...) {}

  net::awaitable<boost::system::error_code> handshake() override {
    if constexpr (kTls) {
      auto [ec] = co_await stream_.async_handshake(net::ssl::stream_base::server, kUseTuple);
      co_return ec;
    } else {
      co_return boost::system::error_code{};
    }
  }

  net::awaitable<IoResult> read_some(net::mutable_buffer buffer) override {
    auto [ec, bytes] = co_await stream_.async_read_some(buffer, kUseTuple);
    co_return IoResult{ec, bytes};
  }

  net::awaitable<IoResult> write(std::array<net::const_buffer, 2> buffers) override {
    auto [ec, bytes] = co_await net::async_write(stream_, buffers, kUseTuple);
    co_return IoResult{ec, bytes};
  }

  net::awaitable<void> shutdown() override {
    if constexpr (kTls) {
      auto [ec] = co_await stream_.async_shutdown(kUseTuple);
      (void)ec;  // a peer that vanished without close_notify changes nothing here
    }
    boost::system::error_code ignored;
    socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  }

  void expires_after(std::chrono::milliseconds timeout) override {
    beast::get_lowest_layer(stream_).expires_after(timeout);
  }
  void expires_never() override { beast::get_lowest_layer(stream_).expires_never(); }
  net::ip::tcp::socket& socket() override { return beast::get_lowest_layer(stream_).socket(); }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  Stream stream_;
};

// Keeps the TLS context alive as long as any connection made with it: a
// reload swaps the gateway's context while old connections still use theirs.
class TlsConnectionStream final : public ConnectionStream {
 public:
  TlsConnectionStream(net::ip::tcp::socket socket, std::shared_ptr<net::ssl::context> context)
      : context_(std::move(context)), inner_(std::move(socket), *context_) {}

  net::awaitable<boost::system::error_code> handshake() override { return inner_.handshake(); }
  net::awaitable<IoResult> read_some(net::mutable_buffer buffer) override {
    return inner_.read_some(buffer);
  }
  net::awaitable<IoResult> write(std::array<net::const_buffer, 2> buffers) override {
    return inner_.write(buffers);
  }
  net::awaitable<void> shutdown() override { return inner_.shutdown(); }
  void expires_after(std::chrono::milliseconds timeout) override { inner_.expires_after(timeout); }
  void expires_never() override { inner_.expires_never(); }
  net::ip::tcp::socket& socket() override { return inner_.socket(); }

 private:
  std::shared_ptr<net::ssl::context> context_;
  BasicConnectionStream<beast::ssl_stream<beast::tcp_stream>> inner_;
};

}  // namespace

std::unique_ptr<ConnectionStream> make_plain_stream(net::ip::tcp::socket socket) {
  return std::make_unique<BasicConnectionStream<beast::tcp_stream>>(std::move(socket));
}

std::unique_ptr<ConnectionStream> make_tls_stream(net::ip::tcp::socket socket,
                                                  std::shared_ptr<net::ssl::context> context) {
  return std::make_unique<TlsConnectionStream>(std::move(socket), std::move(context));
}

}  // namespace switchyard
