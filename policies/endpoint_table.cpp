#include "policies/endpoint_table.hpp"

namespace switchyard::policies {

EndpointTable::EndpointTable() {
  maps_.push_back(std::make_unique<const StateMap>());
  current_.store(maps_.back().get(), std::memory_order_release);
}

EndpointTable::~EndpointTable() = default;

void EndpointTable::adopt(const config::Snapshot& snapshot) {
  std::lock_guard lock(adopt_mutex_);
  const StateMap& previous = *current_.load(std::memory_order_acquire);
  auto next = std::make_unique<StateMap>();
  next->reserve(snapshot.endpoints().size());
  for (const config::EndpointRef& ref : snapshot.endpoints()) {
    auto it = previous.find(ref.key);
    auto state = it != previous.end() ? it->second : std::make_shared<EndpointState>();
    next->emplace(ref.key, std::move(state));
  }
  maps_.push_back(std::move(next));
  current_.store(maps_.back().get(), std::memory_order_release);
}

EndpointState* EndpointTable::find(std::string_view key) const {
  const StateMap& map = *current_.load(std::memory_order_acquire);
  auto it = map.find(key);
  return it == map.end() ? nullptr : it->second.get();
}

EndpointState* EndpointTable::find(const config::EndpointRef& ref) const {
  const StateMap& map = *current_.load(std::memory_order_acquire);
  auto it = map.find(HashedKey{ref.key, ref.key_hash});
  return it == map.end() ? nullptr : it->second.get();
}

std::size_t EndpointTable::size() const {
  return current_.load(std::memory_order_acquire)->size();
}

void EndpointTable::set_provider_health(const config::Snapshot& snapshot, std::string_view provider,
                                        Health health) const {
  for (const config::EndpointRef& ref : snapshot.endpoints()) {
    if (ref.provider->name != provider) continue;
    if (EndpointState* state = find(ref)) state->set_health(health);
  }
}

}  // namespace switchyard::policies
