#include "config/snapshot.hpp"

#include <algorithm>

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace switchyard::config {

std::shared_ptr<const Snapshot> Snapshot::build(Config config) {
  auto snapshot = std::shared_ptr<Snapshot>(new Snapshot());
  snapshot->config_ = std::move(config);
  const Config& cfg = snapshot->config_;

  for (std::size_t i = 0; i < cfg.providers.size(); ++i) {
    snapshot->provider_index_.emplace(cfg.providers[i].name, i);
  }
  for (std::size_t i = 0; i < cfg.policies.size(); ++i) {
    snapshot->policy_index_.emplace(cfg.policies[i].name, i);
  }
  for (std::size_t m = 0; m < cfg.models.size(); ++m) {
    const Model& model = cfg.models[m];
    snapshot->model_index_.emplace(model.id, m);
    for (const std::string& alias : model.aliases) snapshot->model_index_.emplace(alias, m);
    if (model.is_wildcard()) {
      snapshot->wildcards_.push_back(m);
    } else if (auto slash = model.id.rfind('/'); slash != std::string::npos) {
      snapshot->bare_name_index_.emplace(std::string_view(model.id).substr(slash + 1), m);
    }
    std::size_t begin = snapshot->endpoints_.size();
    for (const Endpoint& endpoint : model.endpoints) {
      EndpointRef ref;
      ref.model = &model;
      ref.endpoint = &endpoint;
      ref.provider = &cfg.providers[endpoint.provider_index];
      ref.index = snapshot->endpoints_.size();
      ref.key = model.id + "@" + endpoint.provider;
      ref.key_hash = std::hash<std::string_view>{}(ref.key);
      snapshot->endpoints_.push_back(std::move(ref));
    }
    snapshot->model_endpoint_ranges_.emplace_back(begin, snapshot->endpoints_.size());
  }
  std::stable_sort(snapshot->wildcards_.begin(), snapshot->wildcards_.end(),
                   [&cfg](std::size_t a, std::size_t b) {
                     return cfg.models[a].id.size() > cfg.models[b].id.size();
                   });
  return snapshot;
}

const Model* Snapshot::find_model(std::string_view id) const {
  auto it = model_index_.find(id);
  return it == model_index_.end() ? nullptr : &config_.models[it->second];
}

std::vector<const Model*> Snapshot::models_with_bare_name(std::string_view name) const {
  std::vector<std::size_t> indices;
  auto [begin, end] = bare_name_index_.equal_range(name);
  for (auto it = begin; it != end; ++it) indices.push_back(it->second);
  std::sort(indices.begin(), indices.end());
  std::vector<const Model*> out;
  for (std::size_t index : indices) out.push_back(&config_.models[index]);
  return out;
}

const Model* Snapshot::find_wildcard(std::string_view id) const {
  for (std::size_t index : wildcards_) {
    const Model& model = config_.models[index];
    std::string_view prefix = std::string_view(model.id).substr(0, model.id.size() - 1);  // "x/"
    if (id.size() > prefix.size() && id.starts_with(prefix)) return &model;
  }
  return nullptr;
}

const Provider* Snapshot::find_provider(std::string_view name) const {
  auto it = provider_index_.find(name);
  return it == provider_index_.end() ? nullptr : &config_.providers[it->second];
}

const Policy* Snapshot::find_policy(std::string_view name) const {
  auto it = policy_index_.find(name);
  return it == policy_index_.end() ? nullptr : &config_.policies[it->second];
}

const Key* Snapshot::find_key(const std::array<unsigned char, 32>& token_sha256) const {
  const Key* found = nullptr;
  for (const Key& key : config_.keys) {
    // Compare every key in full, whatever matched before.
    bool equal = CRYPTO_memcmp(key.sha256.data(), token_sha256.data(), 32) == 0;
    if (equal) found = &key;
  }
  return found;
}

bool Snapshot::keys_required() const {
  return config_.server.require_key.value_or(!config_.keys.empty());
}

std::span<const EndpointRef> Snapshot::endpoints_of(const Model& model) const {
  auto index = static_cast<std::size_t>(&model - config_.models.data());
  auto [begin, end] = model_endpoint_ranges_[index];
  return std::span<const EndpointRef>(endpoints_.data() + begin, end - begin);
}

std::array<unsigned char, 32> sha256(std::string_view data) {
  std::array<unsigned char, 32> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
  return digest;
}

const char* to_string(ProviderKind kind) {
  return kind == ProviderKind::anthropic ? "anthropic" : "openai";
}
const char* to_string(HostingLocation location) {
  return location == HostingLocation::local ? "local" : "remote";
}
const char* to_string(Weights weights) {
  switch (weights) {
    case Weights::open:
      return "open";
    case Weights::closed:
      return "closed";
    case Weights::unknown:
      break;
  }
  return "unknown";
}

}  // namespace switchyard::config
