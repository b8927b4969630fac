// The planner: candidates, filters, rankers, failures and the trace.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <map>

#include "policies/endpoint_table.hpp"
#include "policies/plan_request.hpp"
#include "policies/planner.hpp"
#include "policies/planner_filters.hpp"

using namespace switchyard;
using namespace switchyard::policies;
using namespace std::chrono_literals;
using HL = config::HostingLocation;

namespace {

Picousd per_million(double usd) {
  return static_cast<Picousd>(std::llround(usd * 1e6));
}

config::Provider provider(std::string name, HL location, std::string jurisdiction,
                          bool retains = false, bool trains = false) {
  config::Provider p;
  p.name = std::move(name);
  p.location = location;
  p.jurisdiction = std::move(jurisdiction);
  p.data_policy = {retains, trains};
  return p;
}

config::Model model(std::string id, std::string family, std::string origin,
                    config::Weights weights) {
  config::Model m;
  m.id = std::move(id);
  m.family = family;
  m.author = family;
  m.origin = std::move(origin);
  m.weights = weights;
  m.license = weights == config::Weights::open ? "MIT" : "proprietary";
  m.context_length = 128'000;
  return m;
}

// Provider indexes in the catalog below.
enum : std::size_t { kDeepseek, kLocal, kTogether, kOpenai, kFireworks };

void add_endpoint(config::Config& cfg, config::Model& m, std::size_t provider_index, double prompt,
                  double completion, std::string quantization = "") {
  config::Endpoint e;
  e.provider = cfg.providers[provider_index].name;
  e.provider_index = provider_index;
  e.upstream_model = m.id;
  e.price = {per_million(prompt), per_million(completion), per_million(prompt)};
  e.quantization = std::move(quantization);
  m.endpoints.push_back(std::move(e));
}

config::Config base_config() {
  config::Config cfg;
  cfg.providers = {provider("deepseek", HL::remote, "CN", true),
                   provider("local", HL::local, "on-prem"), provider("together", HL::remote, "US"),
                   provider("openai", HL::remote, "US", true, true),
                   provider("fireworks", HL::remote, "US")};
  auto r1 = model("deepseek/deepseek-r1", "deepseek", "CN", config::Weights::open);
  add_endpoint(cfg, r1, kDeepseek, 0.55, 2.19, "fp8");
  add_endpoint(cfg, r1, kLocal, 0.05, 0.05, "q4_k_m");
  add_endpoint(cfg, r1, kTogether, 3.0, 7.0, "fp16");
  auto gpt = model("openai/gpt-4o", "gpt", "US", config::Weights::closed);
  add_endpoint(cfg, gpt, kOpenai, 2.5, 10);
  // Two near-equal prices (within 5%) and one clearly dearer.
  auto llama = model("meta-llama/llama-3.1-70b", "llama", "US", config::Weights::open);
  add_endpoint(cfg, llama, kTogether, 0.88, 0.88, "fp8");
  add_endpoint(cfg, llama, kFireworks, 0.90, 0.90, "fp16");
  add_endpoint(cfg, llama, kDeepseek, 2.0, 2.0, "fp8");
  cfg.models = {r1, gpt, llama};
  return cfg;
}

config::Policy policy(std::string name, std::vector<config::Rule> allow,
                      std::vector<config::Rule> deny) {
  config::Policy p;
  p.name = std::move(name);
  p.allow = std::move(allow);
  p.deny = std::move(deny);
  return p;
}

config::Rule cn_remote() {
  config::Rule r;
  r.origin = {"CN"};
  r.hosting = HL::remote;
  return r;
}

struct Fixture {
  config::Config cfg = base_config();
  std::shared_ptr<const config::Snapshot> snapshot;
  config::Key key;
  EndpointTable endpoints;
  PlanRequest request;  // no JSON anywhere: replay and explain plan like this
  Clock::time_point now = Clock::now();

  Fixture() {
    request.estimated_prompt_tokens = 1000;
    request.max_tokens = 500;
  }
  // Builds the snapshot from `cfg` (call after editing cfg).
  const config::Snapshot& build() {
    snapshot = config::Snapshot::build(cfg);
    endpoints.adopt(*snapshot);
    return *snapshot;
  }
  RoutePlan plan(std::uint64_t seed = 0, bool with_key = false) {
    if (!snapshot) build();
    return plan_route(
        PlanInput{*snapshot, endpoints, with_key ? &key : nullptr, request, now, seed});
  }
  RoutePlan plan_with_policy(config::Policy p) {
    key.name = "team-a";
    key.policy = p.name;
    cfg.policies = {std::move(p)};
    build();
    return plan(0, true);
  }
  EndpointState& state(std::string_view endpoint_key) {
    if (!snapshot) build();
    EndpointState* found = endpoints.find(endpoint_key);
    if (found == nullptr) FAIL("no endpoint " << endpoint_key);
    return *found;
  }
};

std::vector<std::string> attempt_keys(const RoutePlan& plan) {
  std::vector<std::string> keys;
  for (const auto* ref : plan.attempts) keys.push_back(ref->key);
  return keys;
}

const TraceEntry* trace_of(const RoutePlan& plan, std::string_view key) {
  for (const auto& entry : plan.trace) {
    if (entry.endpoint->key == key) return &entry;
  }
  return nullptr;
}

using Keys = std::vector<std::string>;
const std::string kR1Deepseek = "deepseek/deepseek-r1@deepseek";
const std::string kR1Local = "deepseek/deepseek-r1@local";
const std::string kR1Together = "deepseek/deepseek-r1@together";

}  // namespace

TEST_SUITE("planner") {
  TEST_CASE("default: cheapest first, cost estimated from tokens and prices") {
    Fixture f;
    f.request.model = "deepseek/deepseek-r1";
    auto plan = f.plan();
    CHECK(plan.failure == PlanFailure::none);
    CHECK(attempt_keys(plan) == Keys{kR1Local, kR1Deepseek, kR1Together});
    // 1000 × 0.05 + 500 × 0.05 USD/M = 75 µUSD; deepseek 550 + 1095 = 1645 µUSD.
    CHECK(plan.estimated_costs == std::vector<Picousd>{75'000'000, 1'645'000'000, 6'500'000'000});
    REQUIRE(plan.trace.size() == 3);
    CHECK(trace_of(plan, kR1Local)->rank == 0);
    CHECK(trace_of(plan, kR1Together)->rank == 2);
    CHECK(trace_of(plan, kR1Together)->kept);
  }

  TEST_CASE("without max_tokens the cost uses routing.default_completion_tokens") {
    Fixture f;
    f.request.model = "deepseek/deepseek-r1";
    f.request.max_tokens.reset();
    f.cfg.server.routing.default_completion_tokens = 100;
    f.build();
    auto plan = f.plan();
    CHECK(plan.estimated_costs[0] == 1000 * per_million(0.05) + 100 * per_million(0.05));
  }

  TEST_CASE("near-equal prices spread across seeds; a dearer endpoint stays last") {
    Fixture f;
    f.request.model = "meta-llama/llama-3.1-70b";
    std::map<std::string, int> first;
    for (std::uint64_t seed = 0; seed < 10; ++seed) {
      auto plan = f.plan(seed);
      REQUIRE(plan.attempts.size() == 3);
      ++first[plan.attempts[0]->key];
      CHECK(plan.attempts[2]->key == "meta-llama/llama-3.1-70b@deepseek");
    }
    CHECK(first["meta-llama/llama-3.1-70b@together"] == 5);
    CHECK(first["meta-llama/llama-3.1-70b@fireworks"] == 5);

    SUBCASE("a zero tie ratio disables the spread") {
      f.cfg.server.routing.price_tie_ratio = 0;
      f.build();
      CHECK(f.plan(1).attempts[0]->key == "meta-llama/llama-3.1-70b@together");
    }
  }

  TEST_CASE(":floor and sort=price pick the strictly cheapest") {
    Fixture f;
    for (std::uint64_t seed = 0; seed < 4; ++seed) {
      f.request.model = "meta-llama/llama-3.1-70b:floor";
      CHECK(f.plan(seed).attempts[0]->key == "meta-llama/llama-3.1-70b@together");
      f.request.model = "meta-llama/llama-3.1-70b";
      f.request.prefs.sort = SortBy::price;
      CHECK(f.plan(seed).attempts[0]->key == "meta-llama/llama-3.1-70b@together");
      f.request.prefs.sort = SortBy::none;
    }
  }

  TEST_CASE("unknown model suggests the nearest ids, not the first ones") {
    Fixture f;
    f.request.model = "deepseek/deepseek-v9";
    auto plan = f.plan();
    CHECK(plan.failure == PlanFailure::unknown_model);
    CHECK(plan.message ==
          "model 'deepseek/deepseek-v9' does not exist; did you mean deepseek/deepseek-r1? "
          "(see GET /v1/models)");
    f.request.model = "gpt-4o-mni";
    CHECK(f.plan().message ==
          "model 'gpt-4o-mni' does not exist; did you mean openai/gpt-4o? (see GET /v1/models)");
    f.request.model = "something-else-entirely";
    CHECK(f.plan().message ==
          "model 'something-else-entirely' does not exist (see GET /v1/models)");
    f.request.model = "deepseek/deepseek-r1";
    f.request.models = {"nope:nitro"};
    CHECK(f.plan().failure == PlanFailure::unknown_model);
  }

  TEST_CASE("an unknown provider name in only / order / ignore is bad_preferences naming it") {
    Fixture f;
    f.request.model = "deepseek/deepseek-r1";
    SUBCASE("only") {
      f.request.prefs.only = {"local", "nosuch"};
    }
    SUBCASE("order") {
      f.request.prefs.order = {"nosuch"};
    }
    SUBCASE("ignore") {
      f.request.prefs.ignore = {"nosuch"};
    }
    auto plan = f.plan();
    CHECK(plan.failure == PlanFailure::bad_preferences);
    CHECK(plan.attempts.empty());
    CHECK(plan.message.find("unknown provider 'nosuch'") != std::string::npos);
    CHECK(plan.param.starts_with("provider."));
    CHECK(plan.message.starts_with(plan.param));
  }

  TEST_CASE("preferences that rule out every endpoint are bad_preferences naming the field") {
    Fixture f;
    f.request.model = "deepseek/deepseek-r1";
    f.request.prefs.quantizations = {"int2"};
    auto plan = f.plan();
    CHECK(plan.failure == PlanFailure::bad_preferences);
    CHECK(plan.param == "provider.quantizations");
    CHECK_FALSE(plan.retryable);
    CHECK(std::string(to_string(plan.failure)) == "bad_preferences");
  }

  TEST_CASE("models: fallback in order, suffixes stripped, duplicates dropped") {
    Fixture f;
    f.request.model = "openai/gpt-4o";
    f.request.models = {"deepseek/deepseek-r1:floor", "openai/gpt-4o"};
    auto plan = f.plan();
    CHECK(attempt_keys(plan) == Keys{"openai/gpt-4o@openai", kR1Local, kR1Deepseek});
    CHECK(plan.trace.size() == 4);
    CHECK(trace_of(plan, kR1Together)->filter == "attempt_limit");
    CHECK(trace_of(plan, kR1Together)->reason == "beyond max_attempts (3)");
  }

  TEST_CASE("max_attempts bounds the plan") {
    Fixture f;
    f.cfg.server.routing.max_attempts = 2;
    f.build();
    f.request.model = "deepseek/deepseek-r1";
    auto plan = f.plan();
    CHECK(plan.attempts.size() == 2);
    CHECK(plan.estimated_costs.size() == 2);
    CHECK_FALSE(trace_of(plan, kR1Together)->kept);
  }

  TEST_CASE("key policy deny CN remote keeps CN local and logs the decision") {
    Fixture f;
    f.request.model = "deepseek/deepseek-r1";
    f.request.models = {"meta-llama/llama-3.1-70b"};
    auto plan = f.plan_with_policy(policy("no-cn-remote", {}, {cn_remote()}));
    // Origin is the model's: r1 served remotely by a US host is still CN-origin.
    CHECK(attempt_keys(plan) == Keys{kR1Local, "meta-llama/llama-3.1-70b@together",
                                     "meta-llama/llama-3.1-70b@fireworks"});
    const TraceEntry* removed = trace_of(plan, kR1Deepseek);
    CHECK(removed->filter == "key_policy:no-cn-remote");
    CHECK(removed->reason == "origin CN, hosting remote");
    CHECK(removed->rank == -1);
    CHECK(trace_of(plan, kR1Together)->filter == "key_policy:no-cn-remote");
    // A US model on a CN-jurisdiction host is not CN-origin: kept.
    CHECK(trace_of(plan, "meta-llama/llama-3.1-70b@deepseek")->filter == "attempt_limit");
    CHECK(plan.policy_decisions ==
          std::vector<std::string>{
              "key_policy:no-cn-remote removed deepseek/deepseek-r1@deepseek (origin CN, hosting "
              "remote)",
              "key_policy:no-cn-remote removed deepseek/deepseek-r1@together (origin CN, hosting "
              "remote)"});
  }

  TEST_CASE("key policy removing everything: denied, naming the policy and the facts") {
    Fixture f;
    config::Rule cn;
    cn.origin = {"CN"};
    f.request.model = "deepseek/deepseek-r1";
    auto plan = f.plan_with_policy(policy("no-cn", {}, {cn}));
    CHECK(plan.failure == PlanFailure::denied);
    CHECK(plan.denied_by == "no-cn");
    CHECK(plan.message ==
          "policy 'no-cn' of this key excludes every endpoint of deepseek/deepseek-r1 (origin CN)");
    CHECK(plan.attempts.empty());
    CHECK(plan.policy_decisions.size() == 3);
  }

  TEST_CASE("allow open weights only") {
    Fixture f;
    config::Rule open;
    open.weights = config::Weights::open;
    f.request.model = "openai/gpt-4o";
    f.request.models = {"meta-llama/llama-3.1-70b"};
    auto plan = f.plan_with_policy(policy("open-only", {open}, {}));
    CHECK(plan.failure == PlanFailure::none);
    CHECK(plan.attempts.size() == 3);
    for (const auto* ref : plan.attempts) CHECK(ref->model->id == "meta-llama/llama-3.1-70b");
    CHECK(trace_of(plan, "openai/gpt-4o@openai")->reason ==
          "weights closed; matches no allow rule");
  }

  TEST_CASE("a key policy that is not defined fails closed") {
    Fixture f;
    f.request.model = "openai/gpt-4o";
    f.key.policy = "missing";
    f.build();
    auto plan = f.plan(0, true);
    CHECK(plan.failure == PlanFailure::denied);
    CHECK(plan.denied_by == "missing");
  }

  TEST_CASE("a request can never widen the key policy") {
    Fixture f;
    f.request.model = "deepseek/deepseek-r1";
    SUBCASE("provider.order naming a denied provider does not bring it back") {
      f.request.prefs.order = {"deepseek"};
      auto plan = f.plan_with_policy(policy("no-cn-remote", {}, {cn_remote()}));
      CHECK(attempt_keys(plan) == Keys{kR1Local});
    }
    SUBCASE("only + order + no fallbacks on a denied provider: nothing, still denied") {
      f.request.prefs.only = {"deepseek"};
      f.request.prefs.order = {"deepseek"};
      f.request.prefs.allow_fallbacks = false;
      auto plan = f.plan_with_policy(policy("no-cn-remote", {}, {cn_remote()}));
      CHECK(plan.attempts.empty());
      // The request's own only narrowed away what the policy left.
      CHECK(plan.failure == PlanFailure::bad_preferences);
      CHECK(plan.param == "provider.only");
      CHECK_FALSE(plan.retryable);
      CHECK(trace_of(plan, kR1Deepseek)->filter == "key_policy:no-cn-remote");
      CHECK(trace_of(plan, kR1Local)->filter == "request.only");
    }
    SUBCASE("a request provenance allow cannot re-admit what the key denies") {
      config::Rule remote;
      remote.hosting = HL::remote;
      f.request.prefs.provenance_allow = {remote};
      config::Rule deepseek;
      deepseek.provider = {"deepseek"};
      auto plan = f.plan_with_policy(policy("no-deepseek-api", {}, {deepseek}));
      CHECK(attempt_keys(plan) == Keys{kR1Together});
    }
  }

  TEST_CASE("request filters, one per row") {
    struct Row {
      const char* name;
      std::function<void(RequestPreferences&)> set;
      Keys expected;
      const char* removed_key;
      const char* filter;
      const char* reason;
    };
    const Row rows[] = {
        {"only",
         [](auto& p) {
           p.only = {"Together", "deepseek"};
         },
         {kR1Deepseek, kR1Together},
         "deepseek/deepseek-r1@local",
         "request.only",
         "provider local not in provider.only"},
        {"ignore",
         [](auto& p) { p.ignore = {"local"}; },
         {kR1Deepseek, kR1Together},
         "deepseek/deepseek-r1@local",
         "request.ignore",
         "provider local in provider.ignore"},
        {"max_price prompt",
         [](auto& p) { p.max_prompt_price = per_million(1); },
         {kR1Local, kR1Deepseek},
         "deepseek/deepseek-r1@together",
         "request.max_price",
         "prompt price 3 > max 1 (USD per million tokens)"},
        {"max_price completion",
         [](auto& p) { p.max_completion_price = per_million(1); },
         {kR1Local},
         "deepseek/deepseek-r1@deepseek",
         "request.max_price",
         "completion price 2.19 > max 1 (USD per million tokens)"},
        {"data_collection deny",
         [](auto& p) { p.deny_data_collection = true; },
         {kR1Local, kR1Together},
         "deepseek/deepseek-r1@deepseek",
         "request.data_collection",
         "provider deepseek retains prompts"},
        {"quantizations",
         [](auto& p) {
           p.quantizations = {"FP8", "fp16"};
         },
         {kR1Deepseek, kR1Together},
         "deepseek/deepseek-r1@local",
         "request.quantizations",
         "quantization q4_k_m not in provider.quantizations"},
        {"provenance flat allow local",
         [](auto& p) {
           config::Rule local;
           local.hosting = HL::local;
           p.provenance_allow = {local};
         },
         {kR1Local},
         "deepseek/deepseek-r1@together",
         "request.provenance",
         "hosting remote; matches no allow rule"},
        {"provenance deny jurisdiction",
         [](auto& p) {
           config::Rule cn;
           cn.jurisdiction = {"CN"};
           p.provenance_deny = {cn};
         },
         {kR1Local, kR1Together},
         "deepseek/deepseek-r1@deepseek",
         "request.provenance",
         "jurisdiction CN"},
        {"order without fallbacks: only the named provider, one attempt",
         [](auto& p) {
           p.order = {"together", "deepseek"};
           p.allow_fallbacks = false;
         },
         {kR1Together},
         "deepseek/deepseek-r1@local",
         "request.order",
         "provider local not in provider.order and allow_fallbacks is false"},
    };
    for (const Row& row : rows) {
      CAPTURE(row.name);
      Fixture f;
      f.request.model = "deepseek/deepseek-r1";
      row.set(f.request.prefs);
      auto plan = f.plan();
      CHECK(attempt_keys(plan) == row.expected);
      const TraceEntry* removed = trace_of(plan, row.removed_key);
      REQUIRE(removed != nullptr);
      CHECK_FALSE(removed->kept);
      CHECK(removed->filter == row.filter);
      CHECK(removed->reason == row.reason);
    }
  }

  TEST_CASE("unknown quantization is removed unless 'unknown' is listed") {
    Fixture f;
    f.request.model = "openai/gpt-4o";  // endpoint without quantization
    f.request.prefs.quantizations = {"fp8"};
    CHECK(f.plan().attempts.empty());
    f.request.prefs.quantizations = {"fp8", "unknown"};
    CHECK(f.plan().attempts.size() == 1);
  }

  TEST_CASE("provider.order puts the named providers first, in that order") {
    Fixture f;
    f.request.model = "deepseek/deepseek-r1";
    f.request.prefs.order = {"together", "deepseek"};
    CHECK(attempt_keys(f.plan()) == Keys{kR1Together, kR1Deepseek, kR1Local});
    f.request.prefs.allow_fallbacks = false;
    f.request.prefs.order.clear();
    CHECK(attempt_keys(f.plan()) == Keys{kR1Local});  // the best one only
  }

  TEST_CASE("context length: a prompt that does not fit is removed") {
    Fixture f;
    f.cfg.models[0].endpoints[1].context_length = 8000;
    f.build();
    f.request.model = "deepseek/deepseek-r1";
    f.request.estimated_prompt_tokens = 7800;
    auto plan = f.plan();
    CHECK(trace_of(plan, kR1Local)->filter == "context");
    CHECK(trace_of(plan, kR1Local)->reason == "needs about 8300 tokens, context length is 8000");
    CHECK(plan.attempts.size() == 2);
  }

  TEST_CASE("availability: disabled provider and failing health check -> no_endpoint") {
    Fixture f;
    f.cfg.providers[kOpenai].enabled = false;
    f.cfg.providers[kOpenai].disabled_reason = "OPENAI_API_KEY is not set";
    f.build();
    f.request.model = "openai/gpt-4o";
    auto plan = f.plan();
    CHECK(plan.failure == PlanFailure::no_endpoint);
    CHECK(trace_of(plan, "openai/gpt-4o@openai")->filter == "provider.disabled");
    CHECK(plan.message ==
          "no endpoint is available: openai/gpt-4o (openai: OPENAI_API_KEY is not set)");

    f.request.model = "deepseek/deepseek-r1";
    f.state(kR1Local).set_health(Health::unhealthy);
    plan = f.plan();
    CHECK(attempt_keys(plan) == Keys{kR1Deepseek, kR1Together});
    CHECK(trace_of(plan, kR1Local)->filter == "health");
  }

  TEST_CASE("removed only by cooldown or open circuit -> cooling_down with retry_after") {
    Fixture f;
    f.request.model = "deepseek/deepseek-r1";
    f.build();
    f.state(kR1Deepseek).cool_down_until(f.now + 40s);
    f.state(kR1Together).cool_down_until(f.now + 2500ms);
    for (int i = 0; i < 5; ++i) f.state(kR1Local).record_failure(f.now, 5, 30s);
    auto plan = f.plan();
    CHECK(plan.failure == PlanFailure::cooling_down);
    REQUIRE(plan.retry_after.has_value());
    CHECK(plan.retry_after->count() == 3);  // ceil(2.5 s) to the earliest
    CHECK(trace_of(plan, kR1Local)->filter == "circuit");
    CHECK(trace_of(plan, kR1Deepseek)->filter == "cooldown");

    SUBCASE("a disabled or unhealthy endpoint among them makes it no_endpoint") {
      f.state(kR1Together).set_health(Health::unhealthy);
      CHECK(f.plan().failure == PlanFailure::no_endpoint);
    }
    SUBCASE("endpoints removed by preferences do not change the kind") {
      f.request.prefs.ignore = {"together"};
      auto narrowed = f.plan();
      CHECK(narrowed.failure == PlanFailure::cooling_down);
      CHECK(narrowed.retry_after->count() == 30);
    }
  }

  TEST_CASE("retry_after is at least one second and at most the cap") {
    Fixture f;
    f.cfg.server.routing.retry_after_cap = 60s;
    f.request.model = "openai/gpt-4o";
    f.build();
    f.state("openai/gpt-4o@openai").cool_down_until(f.now + 1ms);
    CHECK(f.plan().retry_after == 1s);
    f.state("openai/gpt-4o@openai").cool_down_until(f.now + 1h);
    CHECK(f.plan().retry_after == 60s);
  }

  TEST_CASE("breaker: opens after N failures, the endpoint comes back for a probe") {
    Fixture f;
    f.cfg.server.routing.breaker_failures = 3;
    f.build();
    f.request.model = "deepseek/deepseek-r1";
    const auto& routing = f.snapshot->config().server.routing;
    auto& local = f.state(kR1Local);
    for (std::uint32_t i = 0; i < routing.breaker_failures; ++i) {
      CHECK(f.plan().attempts[0]->key == kR1Local);
      local.record_failure(f.now, routing.breaker_failures, routing.breaker_cooldown);
    }
    CHECK(attempt_keys(f.plan()) == Keys{kR1Deepseek, kR1Together});
    f.now += routing.breaker_cooldown;
    CHECK(f.plan().attempts[0]->key == kR1Local);  // half-open: planned again
    CHECK(local.try_take_probe(f.now));
    CHECK(attempt_keys(f.plan()) == Keys{kR1Deepseek, kR1Together});  // probe in flight
    local.record_success(100, 50);
    CHECK(f.plan().attempts[0]->key == kR1Local);
  }

  TEST_CASE("sort latency: fastest p50 first, an unmeasured endpoint explored first") {
    Fixture f;
    f.request.model = "deepseek/deepseek-r1";
    f.request.prefs.sort = SortBy::latency;
    f.build();
    for (int i = 0; i < 10; ++i) {
      f.state(kR1Local).record_success(900, 20);
      f.state(kR1Deepseek).record_success(300, 40);
    }
    auto plan = f.plan();
    CHECK(attempt_keys(plan) == Keys{kR1Together, kR1Deepseek, kR1Local});
    CHECK(trace_of(plan, kR1Deepseek)->stats.ttft_p50_ms == doctest::Approx(300));
    f.state(kR1Together).record_success(600, 10);
    CHECK(attempt_keys(f.plan()) == Keys{kR1Deepseek, kR1Together, kR1Local});
  }

  TEST_CASE("sort throughput and :nitro: most tokens/s first") {
    Fixture f;
    f.request.model = "deepseek/deepseek-r1:nitro";
    f.build();
    f.state(kR1Local).record_success(100, 20);
    f.state(kR1Deepseek).record_success(100, 80);
    f.state(kR1Together).record_success(100, 50);
    CHECK(attempt_keys(f.plan()) == Keys{kR1Deepseek, kR1Together, kR1Local});
    f.request.model = "deepseek/deepseek-r1";
    f.request.prefs.sort = SortBy::throughput;
    CHECK(attempt_keys(f.plan()) == Keys{kR1Deepseek, kR1Together, kR1Local});
  }

  TEST_CASE("preferred latency and throughput deprioritise, never exclude") {
    Fixture f;
    f.request.model = "deepseek/deepseek-r1";
    f.build();
    f.state(kR1Local).record_success(3000, 100);
    f.request.prefs.preferred_max_latency_s = 2.0;
    CHECK(attempt_keys(f.plan()) == Keys{kR1Deepseek, kR1Together, kR1Local});
    f.request.prefs.preferred_max_latency_s.reset();
    f.state(kR1Deepseek).record_success(100, 5);
    f.request.prefs.preferred_min_throughput_tps = 10;
    CHECK(attempt_keys(f.plan()) == Keys{kR1Local, kR1Together, kR1Deepseek});
  }
}

TEST_SUITE("filters") {
  TEST_CASE("the chain runs hard filters first") {
    auto chain = filter_chain();
    REQUIRE(chain.size() > 4);
    CHECK(chain.front().name == "key_policy");
    for (std::size_t i = 1; i < chain.size(); ++i) {
      CHECK(static_cast<int>(chain[i - 1].stage) <= static_cast<int>(chain[i].stage));
    }
    CHECK(find_filter("health") != nullptr);
    CHECK(find_filter("nope") == nullptr);
  }

  TEST_CASE("a kept candidate gets no strings") {
    Fixture f;
    const auto& snapshot = f.build();
    RequestPreferences prefs;
    FilterContext context{nullptr, &prefs, 10, 10, f.now};
    Removal removal;
    for (const auto& ref : snapshot.endpoints()) CHECK_FALSE(run_filters(context, ref, removal));
    CHECK(removal.filter.empty());
  }
}

TEST_CASE("strip_model_suffix") {
  SortBy sort = SortBy::latency;
  CHECK(strip_model_suffix("a/b", sort) == "a/b");
  CHECK(sort == SortBy::latency);
  CHECK(strip_model_suffix("a/b:floor", sort) == "a/b");
  CHECK(sort == SortBy::price);
  CHECK(strip_model_suffix("a/b:nitro", sort) == "a/b");
  CHECK(sort == SortBy::throughput);
  CHECK(std::string(to_string(PlanFailure::cooling_down)) == "cooling_down");
}
