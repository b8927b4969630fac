#include "tests/integration/config_builder.hpp"

#include <sstream>

namespace itest {

ConfigSpec basic_spec(const std::string& base_url) {
  ConfigSpec spec;
  ProviderSpec provider;
  provider.base_url = base_url;
  spec.providers.push_back(provider);
  return spec;
}

std::string render_config(const ConfigSpec& spec) {
  std::ostringstream y;
  y << "server:\n"
    << "  listen: 127.0.0.1:0\n"
    << "  workers: " << spec.workers << "\n"
    << "  access_log: \"-\"\n"
    << "  log_level: " << spec.log_level << "\n"
    << "  usage_log: { path: \"" << spec.usage_log << "\", fsync: always }\n"
    << "  limits:\n"
    << "    max_body_bytes: " << spec.max_body_bytes << "\n"
    << "    max_chat_body_bytes: " << spec.max_chat_body_bytes << "\n"
    << "    header_timeout: " << spec.header_timeout << "\n"
    << "    idle_timeout: " << spec.idle_timeout << "\n"
    << "    body_timeout: " << spec.body_timeout << "\n"
    << "    max_connections: " << spec.max_connections << "\n"
    << spec.limits_extra << spec.server_extra;
  y << "providers:\n";
  for (const auto& p : spec.providers) {
    y << "  - name: " << p.name << "\n"
      << "    kind: " << p.kind << "\n"
      << "    base_url: \"" << p.base_url << "\"\n"
      << "    api_key_env: " << p.api_key_env << "\n"
      << "    hosting: { location: " << p.location << ", jurisdiction: " << p.jurisdiction << " }\n"
      << "    timeouts: { connect: " << p.connect << ", first_byte: " << p.first_byte
      << ", response: " << (p.response.empty() ? p.first_byte : p.response)
      << ", between_chunks: " << p.between_chunks << " }\n"
      << "    health: { enabled: false }\n"
      << p.extra_yaml;
  }
  y << "models:\n";
  for (const auto& m : spec.models) {
    y << "  - id: " << m.id << "\n"
      << "    family: " << m.family << "\n"
      << "    author: " << m.author << "\n"
      << "    origin: " << m.origin << "\n"
      << "    weights: " << m.weights << "\n"
      << "    license: " << m.license << "\n"
      << "    context_length: " << m.context_length << "\n"
      << "    endpoints:\n";
    for (const auto& e : m.endpoints) {
      y << "      - provider: " << e.provider << "\n"
        << "        upstream_model: " << e.upstream_model << "\n"
        << "        price: { prompt: " << e.prompt_price << ", completion: " << e.completion_price
        << " }\n";
    }
  }
  return y.str();
}

}  // namespace itest
