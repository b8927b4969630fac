// Provenance rules and key policies (rule_matches, removal reasons, price
// ceilings), and the planner's rankers, which order what the rules leave.
#include <doctest/doctest.h>

#include <cmath>

#include "config/snapshot.hpp"
#include "policies/planner_rankers.hpp"
#include "policies/rules.hpp"

using namespace switchyard;
using namespace switchyard::policies;

namespace {

Picousd per_million(double usd) {
  return static_cast<Picousd>(std::llround(usd * 1e6));
}

config::Provider provider(std::string name, config::HostingLocation location,
                          std::string jurisdiction, bool retains = false, bool trains = false) {
  config::Provider p;
  p.name = std::move(name);
  p.location = location;
  p.jurisdiction = std::move(jurisdiction);
  p.data_policy = {retains, trains};
  return p;
}

config::Endpoint endpoint(std::size_t provider_index, std::string provider_name, double prompt,
                          double completion) {
  config::Endpoint e;
  e.provider = std::move(provider_name);
  e.provider_index = provider_index;
  e.upstream_model = "upstream";
  e.price = {per_million(prompt), per_million(completion), per_million(prompt)};
  return e;
}

// deepseek (remote CN, retains), local (on-prem), openai (remote US, retains+trains).
std::shared_ptr<const config::Snapshot> catalog() {
  config::Config cfg;
  cfg.providers = {provider("deepseek", config::HostingLocation::remote, "CN", true),
                   provider("local", config::HostingLocation::local, "on-prem"),
                   provider("openai", config::HostingLocation::remote, "US", true, true)};
  config::Model r1;
  r1.id = "deepseek/deepseek-r1";
  r1.family = "deepseek";
  r1.author = "DeepSeek";
  r1.origin = "CN";
  r1.weights = config::Weights::open;
  r1.license = "MIT";
  r1.endpoints = {endpoint(0, "deepseek", 0.55, 2.19), endpoint(1, "local", 0.05, 0.05)};
  config::Model gpt;
  gpt.id = "openai/gpt-4o";
  gpt.family = "gpt";
  gpt.author = "OpenAI";
  gpt.origin = "US";
  gpt.weights = config::Weights::closed;
  gpt.license = "proprietary";
  gpt.endpoints = {endpoint(2, "openai", 2.5, 10)};
  cfg.models = {r1, gpt};
  return config::Snapshot::build(std::move(cfg));
}

const config::EndpointRef& find(const config::Snapshot& snapshot, std::string_view key) {
  for (const auto& ref : snapshot.endpoints()) {
    if (ref.key == key) return ref;
  }
  FAIL("no endpoint " << key);
  return snapshot.endpoints().front();
}

}  // namespace

TEST_CASE("rule_matches: each fact, alone, matches and mismatches") {
  auto snapshot = catalog();
  const auto& cn_remote = find(*snapshot, "deepseek/deepseek-r1@deepseek");
  const auto& cn_local = find(*snapshot, "deepseek/deepseek-r1@local");
  const auto& us_closed = find(*snapshot, "openai/gpt-4o@openai");

  struct Row {
    const char* name;
    config::Rule rule;
    bool cn_remote, cn_local, us_closed;
  };
  auto rule = [](auto set) {
    config::Rule r;
    set(r);
    return r;
  };
  using HL = config::HostingLocation;
  const Row rows[] = {
      {"empty rule matches all", {}, true, true, true},
      {"origin", rule([](auto& r) { r.origin = {"CN"}; }), true, true, false},
      {"origin is case-insensitive", rule([](auto& r) { r.origin = {"cn"}; }), true, true, false},
      {"origin list is any-of", rule([](auto& r) {
         r.origin = {"FR", "US"};
       }),
       false, false, true},
      {"family", rule([](auto& r) { r.family = {"gpt"}; }), false, false, true},
      {"author", rule([](auto& r) { r.author = {"DeepSeek"}; }), true, true, false},
      {"license", rule([](auto& r) { r.license = {"MIT"}; }), true, true, false},
      {"weights", rule([](auto& r) { r.weights = config::Weights::closed; }), false, false, true},
      {"model", rule([](auto& r) { r.model = {"openai/gpt-4o"}; }), false, false, true},
      {"provider", rule([](auto& r) { r.provider = {"local"}; }), false, true, false},
      {"hosting", rule([](auto& r) { r.hosting = HL::remote; }), true, false, true},
      {"jurisdiction", rule([](auto& r) { r.jurisdiction = {"US"}; }), false, false, true},
      {"retains", rule([](auto& r) { r.retains_prompts = true; }), true, false, true},
      {"retains false", rule([](auto& r) { r.retains_prompts = false; }), false, true, false},
      {"trains", rule([](auto& r) { r.trains_on_prompts = true; }), false, false, true},
      {"conjunction origin+hosting", rule([](auto& r) {
         r.origin = {"CN"};
         r.hosting = HL::remote;
       }),
       true, false, false},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    CHECK(rule_matches(row.rule, cn_remote) == row.cn_remote);
    CHECK(rule_matches(row.rule, cn_local) == row.cn_local);
    CHECK(rule_matches(row.rule, us_closed) == row.us_closed);
  }
}

TEST_CASE("policy: deny CN remote keeps CN local and names the facts") {
  auto snapshot = catalog();
  config::Policy policy;
  policy.name = "no-cn-remote";
  config::Rule deny;
  deny.origin = {"CN"};
  deny.hosting = config::HostingLocation::remote;
  policy.deny = {deny};

  auto remote = policy_removal_reason(policy, find(*snapshot, "deepseek/deepseek-r1@deepseek"));
  REQUIRE(remote.has_value());
  CHECK(*remote == "origin CN, hosting remote");
  CHECK_FALSE(policy_removal_reason(policy, find(*snapshot, "deepseek/deepseek-r1@local")));
  CHECK_FALSE(policy_removal_reason(policy, find(*snapshot, "openai/gpt-4o@openai")));
}

TEST_CASE("policy: allow open weights only") {
  auto snapshot = catalog();
  config::Policy policy;
  policy.name = "open-only";
  config::Rule allow;
  allow.weights = config::Weights::open;
  policy.allow = {allow};

  auto closed = policy_removal_reason(policy, find(*snapshot, "openai/gpt-4o@openai"));
  REQUIRE(closed.has_value());
  CHECK(*closed == "weights closed; matches no allow rule");
  CHECK_FALSE(policy_removal_reason(policy, find(*snapshot, "deepseek/deepseek-r1@deepseek")));
}

TEST_CASE("policy: allow rules are any-of; the reason names every tested fact") {
  auto snapshot = catalog();
  config::Policy policy;
  config::Rule local;
  local.hosting = config::HostingLocation::local;
  config::Rule us;
  us.jurisdiction = {"US", "EU"};
  policy.allow = {local, us};
  CHECK_FALSE(policy_removal_reason(policy, find(*snapshot, "deepseek/deepseek-r1@local")));
  CHECK_FALSE(policy_removal_reason(policy, find(*snapshot, "openai/gpt-4o@openai")));
  auto cn = policy_removal_reason(policy, find(*snapshot, "deepseek/deepseek-r1@deepseek"));
  REQUIRE(cn.has_value());
  CHECK(*cn == "hosting remote, jurisdiction CN; matches no allow rule");
}

TEST_CASE("policy: jurisdiction and data policy") {
  auto snapshot = catalog();
  config::Policy policy;
  config::Rule cn_jurisdiction;
  cn_jurisdiction.jurisdiction = {"CN"};
  config::Rule trains;
  trains.trains_on_prompts = true;
  policy.deny = {cn_jurisdiction, trains};
  CHECK(*policy_removal_reason(policy, find(*snapshot, "deepseek/deepseek-r1@deepseek")) ==
        "jurisdiction CN");
  CHECK(*policy_removal_reason(policy, find(*snapshot, "openai/gpt-4o@openai")) ==
        "trains on prompts");
  CHECK_FALSE(policy_removal_reason(policy, find(*snapshot, "deepseek/deepseek-r1@local")));
}

TEST_CASE("policy: max price ceilings, deny before price") {
  auto snapshot = catalog();
  config::Policy policy;
  policy.max_prompt_price = per_million(1);
  auto gpt = policy_removal_reason(policy, find(*snapshot, "openai/gpt-4o@openai"));
  REQUIRE(gpt.has_value());
  CHECK(*gpt == "prompt price 2.5 > max 1 (USD per million tokens)");
  CHECK_FALSE(policy_removal_reason(policy, find(*snapshot, "deepseek/deepseek-r1@deepseek")));

  policy.max_prompt_price.reset();
  policy.max_completion_price = per_million(2);
  CHECK(*policy_removal_reason(policy, find(*snapshot, "deepseek/deepseek-r1@deepseek")) ==
        "completion price 2.19 > max 2 (USD per million tokens)");
  CHECK_FALSE(policy_removal_reason(policy, find(*snapshot, "deepseek/deepseek-r1@local")));

  config::Rule deny_gpt;
  deny_gpt.family = {"gpt"};
  policy.deny = {deny_gpt};
  CHECK(*policy_removal_reason(policy, find(*snapshot, "openai/gpt-4o@openai")) == "family gpt");
}

TEST_CASE("equals_ignore_case") {
  CHECK(equals_ignore_case("DeepSeek", "deepseek"));
  CHECK_FALSE(equals_ignore_case("deepseek", "deepseek2"));
  CHECK_FALSE(equals_ignore_case("a", "b"));
}

TEST_SUITE("rankers") {
  std::vector<RankedCandidate> candidates(const config::Snapshot& snapshot,
                                          std::vector<Picousd> costs) {
    std::vector<RankedCandidate> out;
    for (std::size_t i = 0; i < costs.size(); ++i) {
      RankedCandidate c;
      c.ref = &snapshot.endpoints()[i % snapshot.endpoints().size()];
      c.cost = costs[i];
      c.trace_index = i;
      out.push_back(c);
    }
    return out;
  }
  std::vector<std::size_t> order_of(const std::vector<RankedCandidate>& ranked) {
    std::vector<std::size_t> out;
    for (const auto& c : ranked) out.push_back(c.trace_index);
    return out;
  }
  using Order = std::vector<std::size_t>;

  TEST_CASE("rank_by_price_spread: tie groups rotate by seed") {
    auto snapshot_ptr = catalog();
    const auto& snapshot = *snapshot_ptr;
    struct Row {
      std::vector<Picousd> costs;
      std::uint64_t seed;
      Order expected;
    };
    const Row rows[] = {
        {{100, 104, 200}, 0, {0, 1, 2}},
        {{100, 104, 200}, 1, {1, 0, 2}},
        {{104, 100, 200}, 0, {1, 0, 2}},
        {{100, 106, 200}, 1, {0, 1, 2}},  // 6% apart: no tie
        {{200, 100, 205, 103}, 1, {3, 1, 2, 0}},
        {{200, 100, 205, 103}, 3, {3, 1, 2, 0}},
        {{0, 0, 5}, 1, {1, 0, 2}},
    };
    for (const Row& row : rows) {
      auto ranked = candidates(snapshot, row.costs);
      rank_by_price_spread(ranked, 0.05, row.seed);
      CHECK(order_of(ranked) == row.expected);
    }
  }

  TEST_CASE("rank_by_latency and throughput: unmeasured first, stable ties") {
    auto snapshot_ptr = catalog();
    const auto& snapshot = *snapshot_ptr;
    auto ranked = candidates(snapshot, {1, 2, 3, 4});
    ranked[0].stats.samples = 1;
    ranked[0].stats.ttft_ewma_ms = 500;  // no window: EWMA fallback
    ranked[1].stats.samples = 5;
    ranked[1].stats.ttft_p50_ms = 200;
    ranked[3].stats.samples = 5;
    ranked[3].stats.ttft_p50_ms = 200;
    rank_by_latency(ranked);
    CHECK(order_of(ranked) == Order{2, 1, 3, 0});

    auto fast = candidates(snapshot, {1, 2, 3});
    fast[0].stats.tps_samples = 3;
    fast[0].stats.tps_p50 = 10;
    fast[1].stats.tps_samples = 3;
    fast[1].stats.tps_p50 = 90;
    rank_by_throughput(fast);
    CHECK(order_of(fast) == Order{2, 1, 0});
  }

  TEST_CASE("apply_provider_order is case-insensitive and stable for the rest") {
    auto snapshot_ptr = catalog();  // endpoints 0..2: deepseek, local, openai
    const auto& snapshot = *snapshot_ptr;
    auto ranked = candidates(snapshot, {1, 2, 3});
    apply_provider_order(ranked, {"OPENAI", "nobody"});
    CHECK(order_of(ranked) == Order{2, 0, 1});
  }
}
