#include "providers/upstream/request_writer.hpp"

namespace switchyard::providers {

std::string host_header(const config::Url& url) {
  bool default_port = (url.tls && url.port == 443) || (!url.tls && url.port == 80);
  return default_port ? url.host : url.host + ":" + std::to_string(url.port);
}

std::string serialize_request(std::string_view method, std::string_view target,
                              const config::Url& url, const HeaderList& headers,
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

}  // namespace switchyard::providers
