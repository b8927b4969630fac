#pragma once
// One upstream connection, plain TCP or TLS: write a request, read what
// arrives into the response reader, each operation under its own timeout
// (re-armed per read, so a long stream lives as long as bytes keep coming).
// It never decides whether it may be reused: the lease does (see pool.hpp).
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "config/config.hpp"
#include "providers/upstream/response_reader.hpp"
#include "providers/upstream/tls.hpp"

namespace switchyard::providers {

using boost::system::error_code;

class UpstreamConnection {
 public:
  explicit UpstreamConnection(std::unique_ptr<boost::beast::tcp_stream> plain);
  explicit UpstreamConnection(std::unique_ptr<TlsStream> tls);
  ~UpstreamConnection();

  boost::asio::awaitable<error_code> write(std::string_view bytes, config::Millis timeout);

  // One read from the peer fed to `reader` (body bytes appended to `body`).
  // The peer closing is not an error here: it is reader.finish(), and the
  // reader says whether that ended the response or cut it short.
  boost::asio::awaitable<error_code> read_into(ResponseReader& reader, std::string& body,
                                               config::Millis timeout);
  // Reads until the final head (1xx skipped) is in, or the reader stops.
  boost::asio::awaitable<error_code> read_head(ResponseReader& reader, std::string& body,
                                               config::Millis timeout);

  // What an idle connection did while it sat in the pool, by a non-blocking
  // peek: nothing (reusable), closed (EOF or reset), or sent bytes that answer
  // no request of ours.
  enum class IdleState { quiet, closed, unsolicited_bytes };
  IdleState idle_state() const;

  void close();
  bool is_open() const;

  bool reused = false;  // taken from the pool rather than freshly connected
  std::chrono::steady_clock::time_point idle_since;

 private:
  boost::beast::tcp_stream& tcp();
  const boost::beast::tcp_stream& tcp() const;

  std::unique_ptr<boost::beast::tcp_stream> plain_;
  std::unique_ptr<TlsStream> tls_;
  std::unique_ptr<char[]> buffer_;  // one read's worth, reused
};

}  // namespace switchyard::providers
