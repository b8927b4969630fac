#pragma once
// The planner's rankers: they order the candidates of one model that survived
// every filter. All are stable and allocation-free (candidate lists are a
// handful of endpoints, so a stable insertion sort beats std::stable_sort,
// which allocates a buffer).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "config/snapshot.hpp"
#include "policies/endpoint_state.hpp"
#include "policies/request_preferences.hpp"

namespace switchyard::policies {

struct RankedCandidate {
  const config::EndpointRef* ref = nullptr;
  Picousd cost = 0;  // estimated cost of this request here
  EndpointStatsView stats;
  std::size_t trace_index = 0;  // its entry in RoutePlan::trace
};

// Cheapest first; equal costs keep their order (catalog order).
void rank_by_price(std::span<RankedCandidate> candidates);

// Cheapest first, then load spread: candidates whose cost is within
// `tie_ratio` of the cheapest of their tie group are rotated by `seed`.
void rank_by_price_spread(std::span<RankedCandidate> candidates, double tie_ratio,
                          std::uint64_t seed);

// Lowest TTFT (p50, EWMA fallback) first. Unmeasured endpoints go first so
// they get traffic and become measured (exploration); ties keep input order.
void rank_by_latency(std::span<RankedCandidate> candidates);

// Highest output tokens/s first; unmeasured first, as for latency.
void rank_by_throughput(std::span<RankedCandidate> candidates);

// preferred_max_latency / preferred_min_throughput: measured endpoints that
// miss them move to the back, keeping their relative order. Never excludes.
void deprioritise_slow(std::span<RankedCandidate> candidates, const RequestPreferences& prefs);

// provider.order: the named providers first, in that order; the rest after,
// in their current order.
void apply_provider_order(std::span<RankedCandidate> candidates,
                          const std::vector<std::string>& order);

// The whole ranking of one model's candidates: price (spread when `sort` is
// none), then the sort, then the soft preferences, then provider.order.
void rank_candidates(std::span<RankedCandidate> candidates, SortBy sort,
                     const RequestPreferences& prefs, double tie_ratio, std::uint64_t seed);

}  // namespace switchyard::policies
