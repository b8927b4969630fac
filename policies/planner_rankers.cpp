#include "policies/planner_rankers.hpp"

#include <algorithm>

#include "policies/rules.hpp"

namespace switchyard::policies {

namespace {

// Stable, in place, no allocation; O(n^2) but n is the endpoints of a model.
template <typename Less>
void stable_insertion_sort(std::span<RankedCandidate> items, Less less) {
  for (std::size_t i = 1; i < items.size(); ++i) {
    RankedCandidate moving = items[i];
    std::size_t j = i;
    while (j > 0 && less(moving, items[j - 1])) {
      items[j] = items[j - 1];
      --j;
    }
    items[j] = moving;
  }
}

// Stable sort by a key (computed per comparison: keys here are cheap).
template <typename KeyFn>
void stable_sort_by_key(std::span<RankedCandidate> items, KeyFn key) {
  stable_insertion_sort(
      items, [&](const RankedCandidate& a, const RankedCandidate& b) { return key(a) < key(b); });
}

}  // namespace

void rank_by_price(std::span<RankedCandidate> candidates) {
  stable_insertion_sort(candidates, [](const RankedCandidate& a, const RankedCandidate& b) {
    return a.cost < b.cost;
  });
}

void rank_by_price_spread(std::span<RankedCandidate> candidates, double tie_ratio,
                          std::uint64_t seed) {
  rank_by_price(candidates);
  std::size_t begin = 0;
  while (begin < candidates.size()) {
    Picousd cheapest = candidates[begin].cost;
    auto limit = static_cast<double>(cheapest) * (1.0 + std::max(tie_ratio, 0.0));
    std::size_t end = begin + 1;
    while (end < candidates.size() && static_cast<double>(candidates[end].cost) <= limit) ++end;
    std::size_t size = end - begin;
    if (size > 1) {
      auto first = candidates.begin() + static_cast<std::ptrdiff_t>(begin);
      std::rotate(first, first + static_cast<std::ptrdiff_t>(seed % size),
                  first + static_cast<std::ptrdiff_t>(size));
    }
    begin = end;
  }
}

void rank_by_latency(std::span<RankedCandidate> candidates) {
  stable_insertion_sort(candidates, [](const RankedCandidate& a, const RankedCandidate& b) {
    bool a_measured = a.stats.samples > 0;
    bool b_measured = b.stats.samples > 0;
    if (a_measured != b_measured) return !a_measured;  // explore first
    return a_measured && a.stats.ttft_ms() < b.stats.ttft_ms();
  });
}

void rank_by_throughput(std::span<RankedCandidate> candidates) {
  stable_insertion_sort(candidates, [](const RankedCandidate& a, const RankedCandidate& b) {
    bool a_measured = a.stats.tps_samples > 0;
    bool b_measured = b.stats.tps_samples > 0;
    if (a_measured != b_measured) return !a_measured;  // explore first
    return a_measured && a.stats.tokens_per_second() > b.stats.tokens_per_second();
  });
}

void deprioritise_slow(std::span<RankedCandidate> candidates, const RequestPreferences& prefs) {
  if (!prefs.preferred_max_latency_s && !prefs.preferred_min_throughput_tps) return;
  auto misses = [&](const RankedCandidate& c) {
    if (prefs.preferred_max_latency_s && c.stats.samples > 0 &&
        c.stats.ttft_ms() > *prefs.preferred_max_latency_s * 1000.0) {
      return 1;
    }
    if (prefs.preferred_min_throughput_tps && c.stats.tps_samples > 0 &&
        c.stats.tokens_per_second() < *prefs.preferred_min_throughput_tps) {
      return 1;
    }
    return 0;
  };
  stable_sort_by_key(candidates, misses);
}

void apply_provider_order(std::span<RankedCandidate> candidates,
                          const std::vector<std::string>& order) {
  if (order.empty()) return;
  auto position = [&](const RankedCandidate& c) {
    for (std::size_t i = 0; i < order.size(); ++i) {
      if (equals_ignore_case(order[i], c.ref->provider->name)) return i;
    }
    return order.size();
  };
  stable_sort_by_key(candidates, position);
}

void rank_candidates(std::span<RankedCandidate> candidates, SortBy sort,
                     const RequestPreferences& prefs, double tie_ratio, std::uint64_t seed) {
  switch (sort) {
    case SortBy::none:
      rank_by_price_spread(candidates, tie_ratio, seed);
      break;
    case SortBy::price:
      rank_by_price(candidates);
      break;
    case SortBy::latency:
      rank_by_price(candidates);
      rank_by_latency(candidates);
      break;
    case SortBy::throughput:
      rank_by_price(candidates);
      rank_by_throughput(candidates);
      break;
  }
  deprioritise_slow(candidates, prefs);
  apply_provider_order(candidates, prefs.order);
}

}  // namespace switchyard::policies
