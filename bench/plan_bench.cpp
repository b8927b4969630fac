// Planner micro-benchmark: a catalog of 200 models × 3 endpoints built in
// code, then N plans of a request mix (plain, :floor, sort=latency, and a key
// policy that denies CN-origin models hosted remotely). Prints the mean time
// per plan; the target is at most 5 µs.
//
//   plan_bench [requests]   (default 200000)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "config/snapshot.hpp"
#include "policies/endpoint_state.hpp"
#include "policies/endpoint_table.hpp"
#include "policies/plan_request.hpp"
#include "policies/planner.hpp"

using namespace switchyard;

namespace {

constexpr int kModels = 200;
constexpr int kProviders = 6;

config::Config build_catalog() {
  config::Config cfg;
  const char* jurisdictions[kProviders] = {"US", "US", "CN", "on-prem", "EU", "US"};
  for (int p = 0; p < kProviders; ++p) {
    config::Provider provider;
    provider.name = "provider-" + std::to_string(p);
    provider.location = p == 3 ? config::HostingLocation::local : config::HostingLocation::remote;
    provider.jurisdiction = jurisdictions[p];
    provider.data_policy.retains_prompts = p == 0;
    cfg.providers.push_back(provider);
  }
  const char* origins[] = {"US", "CN", "FR", "US"};
  for (int m = 0; m < kModels; ++m) {
    config::Model model;
    model.id = "author-" + std::to_string(m % 17) + "/model-" + std::to_string(m);
    model.family = "family-" + std::to_string(m % 9);
    model.author = "author-" + std::to_string(m % 17);
    model.origin = origins[m % 4];
    model.weights = m % 3 == 0 ? config::Weights::closed : config::Weights::open;
    model.license = "MIT";
    model.context_length = 131072;
    for (int e = 0; e < 3; ++e) {
      config::Endpoint endpoint;
      endpoint.provider_index = static_cast<std::size_t>((m + e * 2) % kProviders);
      endpoint.provider = cfg.providers[endpoint.provider_index].name;
      endpoint.upstream_model = model.id;
      // Prices 0.10..3.00 USD/M with some near-equal pairs.
      Picousd base = 100'000 + 50'000 * ((m * 7 + e * 13) % 58);
      endpoint.price = {base, base * 3, base};
      endpoint.quantization = e == 2 ? "fp16" : "fp8";
      model.endpoints.push_back(endpoint);
    }
    cfg.models.push_back(model);
  }
  config::Policy policy;
  policy.name = "no-cn-remote";
  config::Rule rule;
  rule.origin = {"CN"};
  rule.hosting = config::HostingLocation::remote;
  policy.deny = {rule};
  cfg.policies.push_back(policy);
  config::Key key;
  key.name = "team-a";
  key.policy = "no-cn-remote";
  cfg.keys.push_back(key);
  return cfg;
}

}  // namespace

int main(int argc, char** argv) {
  const long requests = argc > 1 ? std::atol(argv[1]) : 200'000;
  auto snapshot = config::Snapshot::build(build_catalog());
  policies::EndpointTable endpoints;
  endpoints.adopt(*snapshot);

  // Two of every three endpoints have latency history; the rest are unmeasured.
  for (const auto& ref : snapshot->endpoints()) {
    if (ref.index % 3 == 2) continue;
    for (int i = 0; i < 20; ++i) {
      endpoints.find(ref)->record_success(100.0 + static_cast<double>((ref.index * 37 + i) % 400),
                                          50);
    }
  }

  // The request mix, prepared up front so only planning is timed.
  std::vector<policies::PlanRequest> mix(64);
  for (std::size_t i = 0; i < mix.size(); ++i) {
    policies::PlanRequest& request = mix[i];
    request.model = snapshot->config().models[(i * 31) % kModels].id;
    request.estimated_prompt_tokens = 200 + static_cast<std::int64_t>(i * 50);
    request.max_tokens = i % 2 == 0 ? std::optional<std::int64_t>(512) : std::nullopt;
    switch (i % 4) {
      case 0:
        break;  // plain
      case 1:
        request.model += ":floor";
        break;
      case 2:
        request.prefs.sort = policies::SortBy::latency;
        break;
      case 3:
        request.models = {snapshot->config().models[(i * 7) % kModels].id};
        break;
    }
  }
  const config::Key* key = &snapshot->config().keys.front();

  const auto now = policies::Clock::now();
  std::size_t attempts = 0;
  std::size_t failures = 0;
  const auto start = std::chrono::steady_clock::now();
  for (long n = 0; n < requests; ++n) {
    const policies::PlanRequest& request = mix[static_cast<std::size_t>(n) % mix.size()];
    const bool with_policy = n % 3 == 0;
    auto plan =
        policies::plan_route(policies::PlanInput{*snapshot, endpoints, with_policy ? key : nullptr,
                                                 request, now, static_cast<std::uint64_t>(n)});
    attempts += plan.attempts.size();
    failures += plan.failure != policies::PlanFailure::none ? 1 : 0;
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  const double us = std::chrono::duration<double, std::micro>(elapsed).count();

  std::printf("catalog: %d models x 3 endpoints; requests: %ld\n", kModels, requests);
  std::printf("attempts planned: %zu, failed plans: %zu\n", attempts, failures);
  std::printf("plan time per request: %.2f us\n", us / static_cast<double>(requests));
  return 0;
}
