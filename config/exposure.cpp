#include "config/exposure.hpp"

#include <boost/asio/ip/address.hpp>

namespace switchyard::config {

bool is_loopback_host(std::string_view host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(std::string(host), ec);
  return !ec && address.is_loopback();
}

ExposureCheck check_unauthenticated_exposure(const Config& config) {
  ExposureCheck check;
  const Server& server = config.server;
  bool keys_required = server.require_key.value_or(!config.keys.empty());
  if (keys_required || is_loopback_host(server.listen_host)) return check;
  std::string where = server.listen_host + ":" + std::to_string(server.listen_port);
  if (server.allow_unauthenticated) {
    check.warning = "server.allow_unauthenticated: listening on " + where +
                    " without keys; anyone who reaches it can use the configured providers";
    return check;
  }
  check.error = "server.listen: " + where +
                " is reachable from other hosts but no keys are required, so anyone could "
                "spend the providers' keys; add keys (see keys:), listen on 127.0.0.1, or set "
                "server.allow_unauthenticated: true";
  return check;
}

}  // namespace switchyard::config
