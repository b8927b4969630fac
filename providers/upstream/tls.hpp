#pragma once
// Client TLS for upstreams: one context per CA file (the system CAs are
// loaded once, not per connection), peer verification, SNI and OpenSSL's own
// hostname check on every handshake.
#include <memory>
#include <string>
#include <unordered_map>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "config/config.hpp"

namespace switchyard::providers {

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

class TlsContexts {
 public:
  // The context for a provider's CA file; nullptr and `error` when the file
  // cannot be loaded (the message names the provider, never a path's secret).
  boost::asio::ssl::context* get(const config::Provider& provider, std::string& error);

 private:
  std::unordered_map<std::string, std::unique_ptr<boost::asio::ssl::context>> contexts_;
};

// Sets SNI and the name check on `stream`, then handshakes within the
// provider's connect timeout. "" on success, else why it failed.
boost::asio::awaitable<std::string> tls_handshake(TlsStream& stream,
                                                  const config::Provider& provider);

}  // namespace switchyard::providers
