// The names clients send, from YAML to plan: provider model_defaults and
// minimal entries, unknown provenance under rules, wildcard entries, and the
// shipped catalog's aliases.
#include <doctest/doctest.h>

#include <string>

#include "config/config_loader.hpp"
#include "policies/endpoint_table.hpp"
#include "policies/model_resolution.hpp"
#include "policies/planner.hpp"

using namespace switchyard;
using namespace switchyard::policies;

namespace {

std::optional<std::string> no_env(const std::string&) {
  return std::nullopt;
}

// Lines 1-12: a local Ollama with defaults, a local vLLM without.
const std::string kProviders =
    "providers:\n"
    "  - name: ollama\n"
    "    base_url: http://127.0.0.1:11434/v1\n"
    "    hosting: { location: local, jurisdiction: on-prem }\n"
    "    model_defaults: { family: llama, author: Meta, origin: US, weights: open,\n"
    "                      license: Llama 3.1 Community License, context_length: 8192 }\n"
    "  - name: vllm\n"
    "    base_url: http://127.0.0.1:8000/v1\n"
    "    hosting: { location: local, jurisdiction: on-prem }\n"
    "models:\n"
    "  - { id: stated/model, family: qwen, author: Alibaba Qwen, origin: CN, weights: open,\n"
    "      license: Apache-2.0, endpoints: [ { provider: vllm } ] }\n";

config::LoadResult load(const std::string& yaml) {
  return config::load_config_text(yaml, ".", no_env);
}

std::string join_all(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

const config::Model* model_named(const config::Config& cfg, std::string_view id) {
  for (const config::Model& model : cfg.models) {
    if (model.id == id) return &model;
  }
  return nullptr;
}

struct Planned {
  config::SnapshotPtr snapshot;
  EndpointTable table;
  PlanRequest request;

  explicit Planned(const std::string& yaml) {
    config::LoadResult result = load(yaml);
    REQUIRE_MESSAGE(result.config.has_value(), join_all(result.errors));
    snapshot = config::Snapshot::build(std::move(*result.config));
    table.adopt(*snapshot);
    request.estimated_prompt_tokens = 10;
  }
  RoutePlan plan(std::string model, const config::Key* key = nullptr) {
    request.model = std::move(model);
    return plan_route(PlanInput{*snapshot, table, key, request, Clock::now(), 0});
  }
};

}  // namespace

TEST_CASE("a minimal entry takes its provider's model_defaults, else unknown") {
  config::LoadResult result =
      load(kProviders +
           "  - { id: local/llama-ft, endpoints: [ { provider: ollama } ] }\n"
           "  - { id: local/mystery, endpoints: [ { provider: vllm } ] }\n"
           "  - { id: local/half, origin: FR, endpoints: [ { provider: vllm } ] }\n");
  REQUIRE_MESSAGE(result.config.has_value(), join_all(result.errors));
  const config::Config& cfg = *result.config;

  const config::Model* stated = model_named(cfg, "stated/model");
  REQUIRE(stated != nullptr);
  CHECK(stated->provenance_source == "model");

  const config::Model* defaulted = model_named(cfg, "local/llama-ft");
  REQUIRE(defaulted != nullptr);
  CHECK(defaulted->family == "llama");
  CHECK(defaulted->author == "Meta");
  CHECK(defaulted->origin == "US");
  CHECK(defaulted->weights == config::Weights::open);
  CHECK(defaulted->license == "Llama 3.1 Community License");
  CHECK(defaulted->context_length == 8192);
  CHECK(defaulted->endpoints.at(0).upstream_model == "llama-ft");
  CHECK(defaulted->provenance_source == "provider_default");

  const config::Model* mystery = model_named(cfg, "local/mystery");
  REQUIRE(mystery != nullptr);
  CHECK(mystery->family == "unknown");
  CHECK(mystery->origin == "unknown");
  CHECK(mystery->license == "unknown");
  CHECK(mystery->weights == config::Weights::unknown);
  CHECK(mystery->provenance_source == "unknown");

  // One fact stated, the rest stated nowhere: unknown outranks the rest.
  const config::Model* half = model_named(cfg, "local/half");
  REQUIRE(half != nullptr);
  CHECK(half->origin == "FR");
  CHECK(half->provenance_source == "unknown");
}

TEST_CASE("model_defaults are checked like a model entry's facts") {
  config::LoadResult result = load(
      "providers:\n"
      "  - name: p\n"
      "    base_url: http://127.0.0.1:9000/v1\n"
      "    model_defaults: { origin: usa, weights: free, colour: red }\n");
  CHECK(join_all(result.errors) ==
        "providers[0].model_defaults.colour: unknown key (line 4)\n"
        "providers[0].model_defaults.origin: must be an ISO 3166 country code such as CN, US or "
        "FR (line 4)\n"
        "providers[0].model_defaults.weights: must be one of open, closed (line 4)\n");
}

TEST_CASE("unknown provenance fails closed: no rule naming a value matches it") {
  Planned p(kProviders + "  - { id: local/mystery, endpoints: [ { provider: vllm } ] }\n" +
            "policies:\n"
            "  - { name: us-only, allow: [ { origin: US } ] }\n"
            "  - { name: open-only, allow: [ { weights: open } ] }\n"
            "  - { name: no-cn, deny: [ { origin: CN } ] }\n"
            "  - { name: no-unknown, deny: [ { origin: unknown } ] }\n"
            "  - { name: no-unknown-weights, deny: [ { weights: unknown } ] }\n");
  auto plan_with = [&](const char* policy) {
    config::Key key;
    key.name = "k";
    key.policy = policy;
    return p.plan("local/mystery", &key);
  };
  RoutePlan us_only = plan_with("us-only");
  CHECK(us_only.failure == PlanFailure::denied);
  CHECK(us_only.message.find("origin unknown") != std::string::npos);
  CHECK(plan_with("open-only").failure == PlanFailure::denied);
  // A deny of CN is not a deny of "we do not know": it says CN.
  CHECK(plan_with("no-cn").failure == PlanFailure::none);
  CHECK(plan_with("no-unknown").failure == PlanFailure::denied);
  CHECK(plan_with("no-unknown-weights").failure == PlanFailure::denied);
}

TEST_CASE("a wildcard entry passes any PREFIX/NAME upstream as NAME") {
  Planned p(kProviders +
            "  - { id: ollama/*, endpoints: [ { provider: ollama } ] }\n"
            "  - { id: ollama/llama3.1:8b-pinned, family: llama, author: Meta, origin: US,\n"
            "      weights: open, license: L, endpoints: [ { provider: vllm } ] }\n");
  RoutePlan plan = p.plan("ollama/qwen2.5:7b");
  REQUIRE(plan.failure == PlanFailure::none);
  REQUIRE(plan.attempts.size() == 1);
  const config::EndpointRef& ref = *plan.attempts[0];
  CHECK(ref.model->id == "ollama/qwen2.5:7b");
  CHECK(ref.model->wildcard == "ollama/*");
  CHECK(ref.endpoint->upstream_model == "qwen2.5:7b");
  CHECK(ref.provider->name == "ollama");
  // Provenance from the provider's defaults, marked so.
  CHECK(ref.model->origin == "US");
  CHECK(ref.model->provenance_source == "provider_default");
  // Live state stays one per wildcard endpoint, whatever the name.
  CHECK(ref.key == "ollama/*@ollama");
  CHECK(p.table.find(ref) != nullptr);
  CHECK(plan.trace.at(0).endpoint->model->id == "ollama/qwen2.5:7b");

  // An exact id under the prefix wins over the wildcard.
  RoutePlan exact = p.plan("ollama/llama3.1:8b-pinned");
  REQUIRE(exact.attempts.size() == 1);
  CHECK(exact.attempts[0]->provider->name == "vllm");
  CHECK(exact.attempts[0]->model->wildcard.empty());

  // The wildcard itself and the bare prefix are not models.
  CHECK(p.plan("ollama/*").failure == PlanFailure::unknown_model);
  CHECK(p.plan("ollama/").failure == PlanFailure::unknown_model);
}

TEST_CASE("a rule naming a wildcard entry matches every name served through it") {
  Planned p(kProviders + "  - { id: ollama/*, endpoints: [ { provider: ollama } ] }\n" +
            "policies:\n"
            "  - { name: no-ollama, deny: [ { model: ollama/* } ] }\n");
  config::Key key;
  key.name = "k";
  key.policy = "no-ollama";
  CHECK(p.plan("ollama/qwen2.5:7b", &key).failure == PlanFailure::denied);
  CHECK(p.plan("stated/model", &key).failure == PlanFailure::none);
}

TEST_CASE("a wildcard's requested name and the wildcard's own endpoint keys") {
  Planned p(kProviders + "  - { id: ollama/*, endpoints: [ { provider: ollama } ] }\n");
  p.request.models = {"ollama/a", "ollama/b"};
  RoutePlan plan = p.plan("ollama/a");
  REQUIRE(plan.attempts.size() == 2);  // ollama/a once, then ollama/b
  CHECK(plan.attempts[0]->model->id == "ollama/a");
  CHECK(plan.attempts[1]->model->id == "ollama/b");
  CHECK(plan.attempts[1]->endpoint->upstream_model == "b");
  CHECK(plan.attempts[0]->key == plan.attempts[1]->key);
}

TEST_CASE("wildcard entries are checked") {
  config::LoadResult result = load(kProviders +
                                   "  - id: ollama/*\n"
                                   "    aliases: [anything]\n"
                                   "    endpoints: [ { provider: ollama, upstream_model: x } ]\n"
                                   "  - { id: a*/b, endpoints: [ { provider: ollama } ] }\n");
  CHECK(join_all(result.errors) ==
        "models[1].aliases: a wildcard entry takes no aliases (line 14)\n"
        "models[1].endpoints[0].upstream_model: a wildcard entry sends the requested name "
        "upstream: leave upstream_model out (line 15)\n"
        "models[2].id: '*' may only end a wildcard id written PREFIX/* (e.g. ollama/*) (line "
        "16)\n");
}

TEST_CASE("an alias that names another model is reported with its YAML path") {
  config::LoadResult result =
      load(kProviders +
           "  - { id: local/a, aliases: [shared], endpoints: [ { provider: vllm } ] }\n"
           "  - { id: local/b, aliases: [local/a, shared, own],\n"
           "      endpoints: [ { provider: vllm } ] }\n");
  CHECK(join_all(result.errors) ==
        "models[2].aliases[0]: alias \"local/a\" already names a model, first defined at line "
        "13 (line 14)\n"
        "models[2].aliases[1]: alias \"shared\" already names a model, first defined at line 13 "
        "(line 14)\n");
}

TEST_CASE("the shipped catalog resolves the names clients already send") {
  config::LoadResult result = config::load_config_file(
      std::string(SWITCHYARD_SOURCE_DIR) + "/config/switchyard.yaml", no_env);
  REQUIRE_MESSAGE(result.config.has_value(), join_all(result.errors));
  auto snapshot = config::Snapshot::build(std::move(*result.config));
  auto resolved = [&](std::string_view name) {
    ModelResolution resolution = resolve_model(*snapshot, name, name);
    return resolution.model ? resolution.model->id : resolution.message;
  };
  CHECK(resolved("gpt-4o-mini") == "openai/gpt-4o-mini");
  CHECK(resolved("gpt-4o-mini-2024-07-18") == "openai/gpt-4o-mini");
  CHECK(resolved("llama3.1:8b") == "meta-llama/llama-3.1-8b-instruct");
  CHECK(resolved("qwen2.5:7b") == "qwen/qwen2.5-7b-instruct");
  CHECK(resolved("claude-sonnet-4-20250514") == "anthropic/claude-sonnet-4");
  CHECK(resolved("claude-3-5-haiku-latest") == "anthropic/claude-3.5-haiku");
  CHECK(resolved("deepseek-chat") == "deepseek/deepseek-chat");
  CHECK(resolved("deepseek-reasoner") == "deepseek/deepseek-r1");
  CHECK(resolved("Qwen/Qwen2.5-72B-Instruct") == "qwen/qwen2.5-72b-instruct");
  // Every alias leads to a model whose endpoints really serve it: an alias
  // that is some endpoint's upstream name is the common case, checked here.
  for (const config::Model& model : snapshot->config().models) {
    for (const config::Endpoint& endpoint : model.endpoints) {
      const config::Model* named = snapshot->find_model(endpoint.upstream_model);
      std::string upstream = endpoint.upstream_model;
      std::string id = model.id;
      INFO(id, " serves ", upstream);
      if (named != nullptr) CHECK(named->id == id);
    }
  }
}
