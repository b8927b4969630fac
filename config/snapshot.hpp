#pragma once
// An immutable, indexed view of one loaded Config. Workers hold a
// shared_ptr<const Snapshot>; a reload builds a new one and swaps it in
// atomically. It holds no live state: how each endpoint is doing lives in the
// process's endpoint table (policies/endpoint_table), keyed by EndpointRef::key.
#include <array>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"

namespace switchyard::config {

// One servable (model, endpoint, provider) triple.
struct EndpointRef {
  const Model* model = nullptr;
  const Endpoint* endpoint = nullptr;
  const Provider* provider = nullptr;
  std::size_t index = 0;  // position in Snapshot::endpoints()
  std::string key;        // "model-id@provider", stable across reloads
  // std::hash<std::string_view> of `key`, computed once: state lookups by key
  // on the request path then cost no hashing.
  std::size_t key_hash = 0;
};

class Snapshot {
 public:
  static std::shared_ptr<const Snapshot> build(Config config);

  const Config& config() const { return config_; }
  // By id or alias, exactly.
  const Model* find_model(std::string_view id) const;
  // The models whose id ends in "/NAME" ("gpt-4o-mini" -> "openai/gpt-4o-mini"),
  // in catalog order; more than one is an ambiguous bare name.
  std::vector<const Model*> models_with_bare_name(std::string_view name) const;
  // The wildcard entry ("ollama/*") whose prefix "ollama/" starts `id`, with
  // a non-empty name after it; the longest prefix when several do.
  const Model* find_wildcard(std::string_view id) const;
  const Provider* find_provider(std::string_view name) const;
  const Policy* find_policy(std::string_view name) const;
  // Constant-time over all keys: an unknown and a wrong key cost the same.
  const Key* find_key(const std::array<unsigned char, 32>& token_sha256) const;
  bool keys_required() const;

  const std::vector<EndpointRef>& endpoints() const { return endpoints_; }
  // The endpoints of one model, in catalog order.
  std::span<const EndpointRef> endpoints_of(const Model& model) const;

 private:
  Config config_;
  std::vector<EndpointRef> endpoints_;
  std::unordered_map<std::string_view, std::size_t> model_index_;  // ids and aliases
  std::unordered_multimap<std::string_view, std::size_t> bare_name_index_;
  std::vector<std::size_t> wildcards_;  // model indices, longest prefix first
  std::unordered_map<std::string_view, std::size_t> provider_index_;
  std::unordered_map<std::string_view, std::size_t> policy_index_;
  std::vector<std::pair<std::size_t, std::size_t>> model_endpoint_ranges_;  // [begin, end)
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

std::array<unsigned char, 32> sha256(std::string_view data);

}  // namespace switchyard::config
