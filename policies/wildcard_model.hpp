#pragma once
// A request for "ollama/llama3.1:8b" that only the wildcard entry "ollama/*"
// matches is served by a model made for that request: the wildcard's
// provenance (its provider's model_defaults) and endpoints, the requested id,
// and the name after the prefix as each endpoint's upstream model. Its
// endpoints keep the wildcard's endpoint keys, so live state (circuit,
// statistics, health) stays one per wildcard endpoint however many names
// clients send, and Model::wildcard names the entry for metric labels.
#include <memory>
#include <string_view>
#include <vector>

#include "config/snapshot.hpp"

namespace switchyard::policies {

struct WildcardInstance {
  config::Model model;
  std::vector<config::EndpointRef> endpoints;  // parallel to the wildcard entry's
};

// `entry` is a wildcard entry of `snapshot`; `id` starts with its prefix.
std::shared_ptr<const WildcardInstance> instantiate_wildcard(const config::Snapshot& snapshot,
                                                             const config::Model& entry,
                                                             std::string_view id);

}  // namespace switchyard::policies
