#pragma once
// The public listener's TLS context from `server.tls`: certificate chain and
// key read from PEM files, TLS 1.2 or 1.3 as the floor, no compression or
// renegotiation. Built at start and again on SIGHUP.
#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "config/config.hpp"

namespace switchyard {

// Null with `error` set when the files cannot be used.
std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(const config::ServerTls& tls,
                                                                   std::string& error);

}  // namespace switchyard
