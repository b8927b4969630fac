#include "policies/wildcard_model.hpp"

namespace switchyard::policies {

std::shared_ptr<const WildcardInstance> instantiate_wildcard(const config::Snapshot& snapshot,
                                                             const config::Model& entry,
                                                             std::string_view id) {
  auto instance = std::make_shared<WildcardInstance>();
  config::Model& model = instance->model;
  model = entry;
  model.id = std::string(id);
  model.name = model.id;
  model.wildcard = entry.id;
  model.aliases.clear();
  const std::size_t prefix = entry.id.size() - 1;  // "ollama/"
  for (config::Endpoint& endpoint : model.endpoints) {
    endpoint.upstream_model = std::string(id.substr(prefix));
  }
  std::span<const config::EndpointRef> refs = snapshot.endpoints_of(entry);
  instance->endpoints.reserve(refs.size());
  for (std::size_t i = 0; i < refs.size(); ++i) {
    config::EndpointRef ref = refs[i];  // index, key and key hash stay the wildcard's
    ref.model = &model;
    ref.endpoint = &model.endpoints[i];
    instance->endpoints.push_back(std::move(ref));
  }
  return instance;
}

}  // namespace switchyard::policies
