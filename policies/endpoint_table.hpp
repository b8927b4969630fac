#pragma once
// The live state of every configured endpoint, owned by the process and shared
// by its workers. The config snapshot is immutable and says what exists; this
// table says how each endpoint is doing (statistics, circuit, cooldown,
// health), keyed by the endpoint's stable key ("model-id@provider"), so a
// reload keeps what traffic has taught about every endpoint that still exists.
//
// Lookups are lock-free: the table publishes an immutable key -> state map
// through an atomic pointer, and adopt() publishes a new one. Superseded maps
// are kept until the table dies, because a worker may still be reading one
// (and using a state it found there) at the moment of a reload; a reload costs
// one map of pointers, a few hundred bytes per endpoint, which is nothing next
// to how rarely operators reload.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/snapshot.hpp"
#include "policies/endpoint_state.hpp"

namespace switchyard::policies {

class EndpointTable {
 public:
  EndpointTable();
  ~EndpointTable();
  EndpointTable(const EndpointTable&) = delete;
  EndpointTable& operator=(const EndpointTable&) = delete;

  // Makes the table match `snapshot`: every endpoint still configured keeps its
  // state, new ones start fresh, the others are dropped. Call it before the
  // snapshot is published, so no worker ever sees an endpoint without a state.
  void adopt(const config::Snapshot& snapshot);

  // The state of an endpoint; null when it is not configured (any more: a
  // request planned on the snapshot before a reload may still ask).
  EndpointState* find(std::string_view key) const;
  // The same, with the key's hash the snapshot computed once (the request path).
  EndpointState* find(const config::EndpointRef& ref) const;

  std::size_t size() const;

  // A health-check verdict for a provider: sets the health of each of its
  // endpoints in `snapshot` (the current one).
  void set_provider_health(const config::Snapshot& snapshot, std::string_view provider,
                           Health health) const;

 private:
  // A key whose hash is already known (EndpointRef::key_hash).
  struct HashedKey {
    std::string_view key;
    std::size_t hash;
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const {
      return std::hash<std::string_view>{}(key);
    }
    std::size_t operator()(const HashedKey& key) const { return key.hash; }
  };
  struct KeyEqual {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
    bool operator()(const HashedKey& a, std::string_view b) const { return a.key == b; }
    bool operator()(std::string_view a, const HashedKey& b) const { return a == b.key; }
  };
  using StateMap =
      std::unordered_map<std::string, std::shared_ptr<EndpointState>, KeyHash, KeyEqual>;

  std::atomic<const StateMap*> current_{nullptr};
  std::mutex adopt_mutex_;                             // one adopt() at a time
  std::vector<std::unique_ptr<const StateMap>> maps_;  // every map published, see above
};

}  // namespace switchyard::policies
