#pragma once
// The planner's filters: each looks at one candidate (model × endpoint) and
// either keeps it or removes it with its own name and a reason in words. They
// run in a fixed order, hard constraints first, so a removal is attributed to
// the most fundamental cause:
//   key policy -> request preferences -> capability -> availability.
// A request can therefore only narrow what the key policy left: nothing a
// request says can bring back a candidate the key policy removed.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/snapshot.hpp"
#include "policies/endpoint_state.hpp"
#include "policies/request_preferences.hpp"

namespace switchyard::policies {

// What kind of cause removed a candidate; decides the failure kind of a plan
// that ends up empty.
enum class FilterStage {
  key_policy,   // the operator's policy for this key
  request,      // the caller's preferences
  capability,   // the endpoint cannot serve this request (context too small)
  unavailable,  // provider disabled, health check failing
  cooling,      // circuit open or Retry-After cooldown: will pass again soon
};

struct FilterContext {
  const config::Policy* key_policy = nullptr;  // null: the key has none
  const RequestPreferences* prefs = nullptr;   // never null when filtering
  std::int64_t prompt_tokens = 0;
  std::optional<std::int64_t> max_tokens;
  Clock::time_point now;
  // The live state of the candidate being filtered (from the endpoint table);
  // null when it has none, which the availability filters treat as usable.
  const EndpointState* candidate_state = nullptr;
};

struct Removal {
  FilterStage stage = FilterStage::request;
  std::string filter;  // "key_policy:no-cn-remote", "request.only", "health", ...
  std::string reason;  // "origin CN, hosting remote"
};

// A filter returns true when it removes the candidate, and only then fills
// `removal` (so kept candidates cost no string building).
using FilterFn = bool (*)(const FilterContext&, const config::EndpointRef&, Removal&);

struct NamedFilter {
  std::string_view name;
  FilterStage stage;
  FilterFn apply;
};

// Every filter in the order the planner runs them.
std::span<const NamedFilter> filter_chain();
const NamedFilter* find_filter(std::string_view name);

// Runs the chain; true (with `removal` filled) when some filter removes it.
bool run_filters(const FilterContext& context, const config::EndpointRef& candidate,
                 Removal& removal);

}  // namespace switchyard::policies
