#include "providers/upstream/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/ssl.hpp>

namespace switchyard::providers {

namespace ssl = boost::asio::ssl;

ssl::context* TlsContexts::get(const config::Provider& provider, std::string& error) {
  auto& slot = contexts_[provider.ca_file];
  if (slot) return slot.get();
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  context->set_default_verify_paths(ec);
  if (!provider.ca_file.empty()) {
    context->load_verify_file(provider.ca_file, ec);
    if (ec) {
      error = "cannot load CA file for provider '" + provider.name + "': " + ec.message();
      contexts_.erase(provider.ca_file);
      return nullptr;
    }
  }
  context->set_verify_mode(ssl::verify_peer);
  slot = std::move(context);
  return slot.get();
}

boost::asio::awaitable<std::string> tls_handshake(TlsStream& stream,
                                                  const config::Provider& provider) {
  // SNI, and the certificate must name the host we dialled.
  if (!SSL_set_tlsext_host_name(stream.native_handle(), provider.url.host.c_str())) {
    co_return "cannot set TLS server name for provider '" + provider.name + "'";
  }
  // OpenSSL's own name check (rather than a verify callback) so a mismatch
  // is reported as "hostname mismatch", not as an unspecified error.
  boost::system::error_code address_ec;
  boost::asio::ip::make_address(provider.url.host, address_ec);
  X509_VERIFY_PARAM* verify_param = SSL_get0_param(stream.native_handle());
  bool name_set = address_ec
                      ? SSL_set1_host(stream.native_handle(), provider.url.host.c_str()) == 1
                      : X509_VERIFY_PARAM_set1_ip_asc(verify_param, provider.url.host.c_str()) == 1;
  if (!name_set) co_return "cannot set the TLS host check for provider '" + provider.name + "'";
  X509_VERIFY_PARAM_set_hostflags(verify_param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  boost::beast::get_lowest_layer(stream).expires_after(provider.timeouts.connect);
  auto [ec] = co_await stream.async_handshake(ssl::stream_base::client,
                                              boost::asio::as_tuple(boost::asio::use_awaitable));
  if (!ec) co_return std::string();
  std::string reason = ec.message();
  long verify = SSL_get_verify_result(stream.native_handle());
  if (verify != X509_V_OK) reason = X509_verify_cert_error_string(verify);
  co_return "TLS handshake with provider '" + provider.name + "' failed: " + reason;
}

}  // namespace switchyard::providers
