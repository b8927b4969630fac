#include "gateway/http/tls_context.hpp"

#include <openssl/ssl.h>

namespace switchyard {

namespace ssl = boost::asio::ssl;

std::shared_ptr<ssl::context> make_server_tls_context(const config::ServerTls& tls,
                                                      std::string& error) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::no_compression |
                           ssl::context::single_dh_use,
                       ec);
  int floor = tls.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
  SSL_CTX_set_min_proto_version(context->native_handle(), floor);
  SSL_CTX_set_options(context->native_handle(), SSL_OP_NO_RENEGOTIATION);
  // The messages name the file, never its content (a key must not reach a log).
  context->use_certificate_chain_file(tls.cert, ec);
  if (ec) {
    error = "server.tls.cert: cannot use " + tls.cert + ": " + ec.message();
    return nullptr;
  }
  context->use_private_key_file(tls.key, ssl::context::pem, ec);
  if (ec) {
    error = "server.tls.key: cannot use " + tls.key + ": " + ec.message();
    return nullptr;
  }
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    error = "server.tls.key: does not match the certificate in " + tls.cert;
    return nullptr;
  }
  return context;
}

}  // namespace switchyard
