// The config loader: strict validation with exact messages, values and
// defaults of a good config, API keys from the environment, and the shipped
// switchyard.yaml + catalog.yaml.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "config/config_loader.hpp"

namespace {

using namespace switchyard;
using namespace switchyard::config;

const std::string kFixtures = std::string(SWITCHYARD_SOURCE_DIR "/tests/unit/config/fixtures");

// An environment with only the given variables, so the real one cannot leak in.
EnvLookup fake_env(std::map<std::string, std::string> vars = {}) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

LoadResult load(const std::string& yaml, EnvLookup env = fake_env()) {
  return load_config_text(yaml, kFixtures, env);
}

// Lines 1-3.
const std::string kProvider =
    "providers:\n"
    "  - name: p\n"
    "    base_url: http://127.0.0.1:9000/v1\n";

// Eleven lines; `price` is on the last one.
std::string model_entry(const std::string& id,
                        const std::string& price = "prompt: 1, completion: 2",
                        const std::string& weights = "open", const std::string& provider = "p") {
  return "  - id: " + id +
         "\n"
         "    family: f\n"
         "    author: A\n"
         "    origin: US\n"
         "    weights: " +
         weights +
         "\n"
         "    license: MIT\n"
         "    context_length: 1000\n"
         "    endpoints:\n"
         "      - provider: " +
         provider +
         "\n"
         "        upstream_model: m\n"
         "        price: { " +
         price + " }\n";
}

// Lines 1-15: one provider, one model.
const std::string kBase = kProvider + "models:\n" + model_entry("a/m");

// `text` with its first `from` replaced by `to`.
std::string with(std::string text, const std::string& from, const std::string& to) {
  return text.replace(text.find(from), from.size(), to);
}

std::string join_all(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

bool contains(const std::vector<std::string>& lines, const std::string& wanted) {
  return std::find(lines.begin(), lines.end(), wanted) != lines.end();
}

}  // namespace

TEST_CASE("each bad config is refused with its exact path, message and line") {
  struct Case {
    std::string what;
    std::string yaml;
    std::string expected;
  };
  const std::string hash_a = std::string(64, 'a');
  const std::vector<Case> cases = {
      {"unknown top-level key", kBase + "extras: 1\n", "extras: unknown key (line 16)"},
      {"unknown nested key", "server:\n  listen: 127.0.0.1:8080\n  colour: red\n",
       "server.colour: unknown key (line 3)"},
      {"unknown key in an endpoint", kBase + "        region: eu\n",
       "models[0].endpoints[0].region: unknown key (line 16)"},
      {"repeated key", "server:\n  log_level: info\n  log_level: debug\n",
       "server.log_level: duplicate key (line 3)"},
      {"wrong type: list expected", "providers: {name: p}\n", "providers: must be a list (line 1)"},
      {"wrong type: integer expected", with(kBase, "1000", "big"),
       "models[0].context_length: must be an integer from 1 to 100000000 (line 11)"},
      {"wrong type: bool expected", "server:\n  explain: yes\n",
       "server.explain: must be true or false (line 2)"},
      {"price with 7 decimals",
       kProvider + "models:\n" + model_entry("a/m", "prompt: 0.1234567, completion: 2"),
       "models[0].endpoints[0].price.prompt: must be a number >= 0 with at most 6 decimals "
       "(line 15)"},
      {"negative price", kProvider + "models:\n" + model_entry("a/m", "prompt: 1, completion: -2"),
       "models[0].endpoints[0].price.completion: must be a number >= 0 with at most 6 decimals "
       "(line 15)"},
      {"missing completion price", kProvider + "models:\n" + model_entry("a/m", "prompt: 1"),
       "models[0].endpoints[0].price.completion: is required (line 15)"},
      {"dangling provider",
       kProvider + "models:\n" + model_entry("a/m", "prompt: 1, completion: 2", "open", "nowhere"),
       "models[0].endpoints[0].provider: unknown provider \"nowhere\" (line 13)"},
      {"duplicate model id", kBase + model_entry("a/m"),
       "models[1].id: duplicate model id \"a/m\", first defined at line 5 (line 16)"},
      {"duplicate provider name", kProvider + "  - name: p\n    base_url: http://h/\n",
       "providers[1].name: duplicate provider name \"p\", first defined at line 2 (line 4)"},
      {"bad weights",
       kProvider + "models:\n" + model_entry("a/m", "prompt: 1, completion: 2", "free"),
       "models[0].weights: must be one of open, closed, unknown (line 9)"},
      {"lower-case origin", with(kBase, "origin: US", "origin: us"),
       "models[0].origin: must be an ISO 3166 country code such as CN, US or FR (line 8)"},
      {"missing required id", with(kBase, "- id: a/m", "- name: a/m"),
       "models[0].id: is required (line 5)"},
      {"bad listen", "server:\n  listen: 8080\n",
       "server.listen: must be host:port such as 0.0.0.0:8080 or [::1]:8080 (line 2)"},
      {"bad url scheme", "providers:\n  - name: p\n    base_url: ftp://h/v1\n",
       "providers[0].base_url: must start with http:// or https:// (line 3)"},
      {"bad url port", "providers:\n  - name: p\n    base_url: http://h:99999/v1\n",
       "providers[0].base_url: has an invalid port (line 3)"},
      {"missing CA file", kProvider + "    ca_file: missing.pem\n",
       "providers[0].ca_file: cannot read \"missing.pem\" (line 4)"},
      {"relative health path", kProvider + "    health: { path: health }\n",
       "providers[0].health.path: must start with / (line 4)"},
      {"bad workers", "server:\n  workers: many\n",
       "server.workers: must be auto or an integer from 1 to 1024 (line 2)"},
      {"bad duration", "server:\n  limits:\n    idle_timeout: 75\n",
       "server.limits.idle_timeout: must be a positive duration such as 500ms, 10s or 2m (line 3)"},
      {"bad enum in server", "server:\n  usage_log:\n    fsync: sometimes\n",
       "server.usage_log.fsync: must be one of never, interval, always (line 3)"},
      {"empty rule", "policies:\n  - name: x\n    deny:\n      - {}\n",
       "policies[0].deny[0]: empty rule would match everything (line 4)"},
      {"rule naming an unknown provider",
       kBase + "policies:\n  - name: x\n    deny: [{provider: q}]\n",
       "policies[0].deny[0].provider: unknown provider \"q\" (line 18)"},
      {"key referencing an unknown policy",
       "keys:\n  - name: a\n    key_sha256: " + hash_a + "\n    policy: nope\n",
       "keys[0].policy: unknown policy \"nope\" (line 4)"},
      {"key hash not hex", "keys:\n  - name: a\n    key_sha256: secret-token\n",
       "keys[0].key_sha256: must be 64 hexadecimal characters (the SHA-256 of the bearer token) "
       "(line 3)"},
      {"duplicate key hash",
       "keys:\n  - name: a\n    key_sha256: " + hash_a +
           "\n  - name: b\n    key_sha256: " + std::string(64, 'A') + "\n",
       "keys[1].key_sha256: same hash as key \"a\" at line 2 (line 5)"},
      {"include of a missing file", "include:\n  - missing.yaml\n",
       "include[0]: cannot read \"missing.yaml\" (line 2)"},
      {"document not a mapping", "- a\n- b\n", "document: must be a mapping (line 1)"},
  };
  CHECK(cases.size() >= 15);
  for (const Case& c : cases) {
    CAPTURE(c.what);
    CAPTURE(c.yaml);
    LoadResult result = load(c.yaml);
    CHECK_FALSE(result.config.has_value());
    CHECK(join_all(result.errors) == c.expected + "\n");
  }
}

TEST_CASE("a YAML syntax error is reported with its line, not thrown") {
  LoadResult result = load("server:\n  listen: [0.0.0.0\n");
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].rfind("document: syntax error: ", 0) == 0);
  CHECK(result.errors[0].find("(line ") != std::string::npos);
}

TEST_CASE("every problem is reported, not only the first") {
  std::string yaml = kProvider + "models:\n" +
                     model_entry("a/m", "prompt: 0.1234567, completion: x", "free", "q") +
                     "server:\n  bogus: 1\n  listen: nowhere\n";
  LoadResult result = load(yaml);
  CHECK_FALSE(result.config.has_value());
  CAPTURE(join_all(result.errors));
  CHECK(result.errors.size() == 6);
  CHECK(
      contains(result.errors, "models[0].weights: must be one of open, closed, unknown (line 9)"));
  CHECK(
      contains(result.errors, "models[0].endpoints[0].provider: unknown provider \"q\" (line 13)"));
  CHECK(contains(result.errors,
                 "models[0].endpoints[0].price.prompt: must be a number >= 0 with at most 6 "
                 "decimals (line 15)"));
  CHECK(contains(result.errors,
                 "models[0].endpoints[0].price.completion: must be a number >= 0 with at most 6 "
                 "decimals (line 15)"));
  CHECK(contains(result.errors, "server.bogus: unknown key (line 17)"));
  CHECK(contains(result.errors,
                 "server.listen: must be host:port such as 0.0.0.0:8080 or [::1]:8080 (line 18)"));
}

TEST_CASE("a good inline config loads with exact values and defaults") {
  const std::string yaml = R"(server:
  listen: "[::1]:0"
  workers: 3
  access_log: ""
  log_level: debug
  require_key: true
  explain: false
  limits: { max_body_bytes: 1MiB, header_timeout: 500ms, shutdown_grace: 2m, max_connections: 7 }
  usage_log: { path: /var/log/usage.jsonl, rotate_bytes: 1024, fsync: always, fsync_interval: 2s }
  routing: { max_attempts: 2, price_tie_ratio: 0.1, breaker_cooldown: 1h }
providers:
  - name: gpu
    flavor: vllm
    base_url: http://10.0.0.5:8000/v1/
    hosting: { location: local, jurisdiction: on-prem }
  - name: llama
    kind: openai
    flavor: ollama
    base_url: http://127.0.0.1:11434/v1
    hosting: { location: local }
    health: { enabled: false, interval: 3s }
  - name: cloud
    kind: anthropic
    base_url: https://api.example.com
    api_key_env: CLOUD_KEY
    data_policy: { retains_prompts: true }
    timeouts: { first_byte: 90s }
    max_connections: 8
models:
  - id: x/small
    family: x
    author: X
    origin: FR
    weights: open
    license: Apache-2.0
    context_length: 32768
    endpoints:
      - provider: cloud
        upstream_model: small-2501
        price: { prompt: 0.55, completion: 2.19 }
      - provider: gpu
        upstream_model: x/Small
        price: { prompt: "0.000001", completion: 0.1, cached_prompt: 0.01 }
        quantization: fp8
        context_length: 16384
policies:
  - name: eu-open
    allow: [ { origin: [FR, DE], weights: open } ]
    deny: [ { hosting: remote, retains_prompts: true }, { model: x/small, provider: [cloud] } ]
    max_price: { prompt: 1.5 }
keys:
  - name: team
    key_sha256: 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08
    policy: eu-open
)";
  LoadResult result = load(yaml, fake_env({{"CLOUD_KEY", "k"}}));
  CAPTURE(join_all(result.errors));
  REQUIRE(result.config.has_value());
  CHECK(result.warnings.empty());
  const Config& config = *result.config;

  const Server& server = config.server;
  CHECK(server.listen_host == "::1");
  CHECK(server.listen_port == 0);
  CHECK(server.workers == 3);
  CHECK(server.access_log.empty());
  CHECK(server.log_level == LogLevel::debug);
  CHECK(server.require_key == std::optional<bool>(true));
  CHECK_FALSE(server.expose_explain);
  CHECK(server.limits.max_body_bytes == 1024 * 1024);
  CHECK(server.limits.max_header_bytes == 16 * 1024);  // default kept
  CHECK(server.limits.header_timeout == Millis(500));
  CHECK(server.limits.shutdown_grace == Millis(120'000));
  CHECK(server.limits.max_connections == 7);
  CHECK(server.usage_log.path == "/var/log/usage.jsonl");
  CHECK(server.usage_log.rotate_bytes == 1024);
  CHECK(server.usage_log.fsync == FsyncPolicy::always);
  CHECK(server.usage_log.fsync_interval == Millis(2'000));
  CHECK(server.routing.max_attempts == 2);
  CHECK(server.routing.price_tie_ratio == doctest::Approx(0.1));
  CHECK(server.routing.breaker_cooldown == Millis(3'600'000));
  CHECK(server.routing.breaker_failures == 5);  // default kept

  REQUIRE(config.providers.size() == 3);
  const Provider& gpu = config.providers[0];
  CHECK(gpu.kind == ProviderKind::openai);
  CHECK(gpu.url.host == "10.0.0.5");
  CHECK(gpu.url.port == 8000);
  CHECK_FALSE(gpu.url.tls);
  CHECK(gpu.url.base_path == "/v1");
  CHECK(gpu.location == HostingLocation::local);
  CHECK(gpu.jurisdiction == "on-prem");
  CHECK(gpu.health.enabled);  // local: on by default
  CHECK(gpu.health.path == "/health");
  CHECK(gpu.enabled);

  const Provider& llama = config.providers[1];
  CHECK_FALSE(llama.health.enabled);           // explicit beats the local default
  CHECK(llama.health.path == "/api/version");  // from the host root, not /v1
  CHECK(llama.health.interval == Millis(3'000));

  const Provider& cloud = config.providers[2];
  CHECK(cloud.kind == ProviderKind::anthropic);
  CHECK(cloud.flavor == "anthropic");
  CHECK(cloud.url.tls);
  CHECK(cloud.url.port == 443);
  CHECK(cloud.url.base_path == "/v1");  // a bare Anthropic host gets /v1
  CHECK(cloud.location == HostingLocation::remote);
  CHECK(cloud.data_policy.retains_prompts);
  CHECK_FALSE(cloud.data_policy.trains_on_prompts);
  CHECK_FALSE(cloud.health.enabled);  // remote: off by default
  CHECK(cloud.health.path == "/v1/models");
  CHECK(cloud.api_key == "k");
  CHECK(cloud.enabled);
  CHECK(cloud.timeouts.first_byte == Millis(90'000));
  CHECK(cloud.timeouts.connect == Millis(5'000));
  CHECK(cloud.max_connections == 8);

  REQUIRE(config.models.size() == 1);
  const Model& model = config.models[0];
  CHECK(model.name == "x/small");  // defaults to the id
  CHECK(model.origin == "FR");
  CHECK(model.max_output_tokens == 4096);
  REQUIRE(model.endpoints.size() == 2);
  CHECK(model.endpoints[0].provider_index == 2);
  CHECK(model.endpoints[0].price.prompt == 550'000);  // 0.55 USD/M = 550000 pUSD per token
  CHECK(model.endpoints[0].price.completion == 2'190'000);
  CHECK(model.endpoints[0].price.cached_prompt == 550'000);  // defaults to prompt
  CHECK_FALSE(model.endpoints[0].context_length.has_value());
  CHECK(model.endpoints[1].provider_index == 0);
  CHECK(model.endpoints[1].price.prompt == 1);
  CHECK(model.endpoints[1].price.completion == 100'000);
  CHECK(model.endpoints[1].price.cached_prompt == 10'000);
  CHECK(model.endpoints[1].quantization == "fp8");
  CHECK(model.endpoints[1].context_length == std::optional<std::int64_t>(16384));

  REQUIRE(config.policies.size() == 1);
  const Policy& policy = config.policies[0];
  REQUIRE(policy.allow.size() == 1);
  CHECK(policy.allow[0].origin == std::vector<std::string>{"FR", "DE"});
  CHECK(policy.allow[0].weights == std::optional<Weights>(Weights::open));
  REQUIRE(policy.deny.size() == 2);
  CHECK(policy.deny[0].hosting == std::optional<HostingLocation>(HostingLocation::remote));
  CHECK(policy.deny[0].retains_prompts == std::optional<bool>(true));
  CHECK_FALSE(policy.deny[0].trains_on_prompts.has_value());
  CHECK(policy.deny[1].model == std::vector<std::string>{"x/small"});
  CHECK(policy.deny[1].provider == std::vector<std::string>{"cloud"});
  CHECK(policy.max_prompt_price == std::optional<Picousd>(1'500'000));
  CHECK_FALSE(policy.max_completion_price.has_value());

  REQUIRE(config.keys.size() == 1);
  CHECK(config.keys[0].policy == "eu-open");
  CHECK(config.keys[0].sha256[0] == 0x9f);
  CHECK(config.keys[0].sha256[31] == 0x08);
}

TEST_CASE("defaults when the server section is absent") {
  LoadResult result = load(kBase);
  REQUIRE(result.config.has_value());
  const Server& server = result.config->server;
  CHECK(server.listen_host == "127.0.0.1");  // loopback: no open relay by default
  CHECK(server.listen_port == 8080);
  CHECK(server.workers == 0);
  CHECK_FALSE(server.require_key.has_value());
  CHECK(server.expose_explain);
  const Provider& provider = result.config->providers[0];
  CHECK(provider.flavor == "generic");
  CHECK(provider.location == HostingLocation::remote);
  CHECK(provider.health.path == "/v1/models");
}

TEST_CASE("a provider whose key variable is unset is disabled with a warning") {
  const std::string yaml = kProvider +
                           "  - name: remote\n"
                           "    base_url: https://api.example.com/v1\n"
                           "    api_key_env: TEST_PROVIDER_KEY\n" +  // line 6
                           "models:\n" +
                           model_entry("a/m");
  const std::string expected =
      "providers[1].api_key_env: environment variable TEST_PROVIDER_KEY is not set; provider "
      "\"remote\" is disabled (line 6)";

  for (const auto& env : {fake_env(), fake_env({{"TEST_PROVIDER_KEY", ""}})}) {
    LoadResult result = load(yaml, env);
    CHECK(result.errors.empty());
    REQUIRE(result.config.has_value());
    const Provider& remote = result.config->providers[1];
    CHECK_FALSE(remote.enabled);
    CHECK(remote.disabled_reason == "environment variable TEST_PROVIDER_KEY is not set");
    CHECK(remote.api_key.empty());
    CHECK(join_all(result.warnings) == expected + "\n");
  }

  const std::string secret = "sk-test-9c1d7e0b5a";
  LoadResult with_key = load(yaml, fake_env({{"TEST_PROVIDER_KEY", secret}}));
  REQUIRE(with_key.config.has_value());
  CHECK(with_key.config->providers[1].enabled);
  CHECK(with_key.config->providers[1].api_key == secret);
  CHECK(with_key.warnings.empty());

  // Even when the config is broken, no message carries the key.
  LoadResult broken = load(yaml + "bogus: 1\n", fake_env({{"TEST_PROVIDER_KEY", secret}}));
  CHECK_FALSE(broken.errors.empty());
  for (const auto& message : broken.errors) CHECK(message.find(secret) == std::string::npos);
  for (const auto& message : broken.warnings) CHECK(message.find(secret) == std::string::npos);
}

TEST_CASE("includes append providers and models; their errors name the file") {
  LoadResult result = load(kBase + "include: [extra_models.yaml]\n");
  CAPTURE(join_all(result.errors));
  REQUIRE(result.config.has_value());
  const Config& config = *result.config;
  REQUIRE(config.providers.size() == 2);
  CHECK(config.providers[1].name == "extra");
  CHECK(config.providers[1].url.base_path == "/api");
  REQUIRE(config.models.size() == 2);
  CHECK(config.models[0].id == "a/m");  // inline models first
  const Model& extra = config.models[1];
  CHECK(extra.id == "extra/model");
  CHECK(extra.weights == Weights::closed);
  REQUIRE(extra.endpoints.size() == 2);
  CHECK(extra.endpoints[0].provider_index == 1);
  CHECK(extra.endpoints[0].price.prompt == 1);
  CHECK(extra.endpoints[0].price.completion == 12'500'000);
  CHECK(extra.endpoints[1].provider_index == 0);  // a provider of the main file

  LoadResult bad = load(kProvider + "include:\n  - bad_models.yaml\n");
  CHECK(join_all(bad.errors) ==
        "bad_models.yaml: models[0].endpoints[0].price.completion: must be a number >= 0 with at "
        "most 6 decimals (line 13)\n");

  LoadResult twice = load(kBase + "include: [extra_models.yaml, extra_models.yaml]\n");
  CHECK(contains(twice.errors,
                 "extra_models.yaml: providers[0].name: duplicate provider name \"extra\", first "
                 "defined at extra_models.yaml line 3 (line 3)"));
  CHECK(contains(twice.errors,
                 "extra_models.yaml: models[0].id: duplicate model id \"extra/model\", first "
                 "defined at extra_models.yaml line 8 (line 8)"));
}

TEST_CASE("the shipped switchyard.yaml and catalog.yaml load without errors") {
  const std::string path = std::string(SWITCHYARD_SOURCE_DIR "/config/switchyard.yaml");
  const std::vector<std::string> key_vars = {
      "OPENAI_API_KEY",    "ANTHROPIC_API_KEY", "GEMINI_API_KEY",   "DEEPSEEK_API_KEY",
      "DASHSCOPE_API_KEY", "MISTRAL_API_KEY",   "MOONSHOT_API_KEY", "ZAI_API_KEY"};
  std::map<std::string, std::string> all_keys;
  for (const auto& var : key_vars) all_keys[var] = "sk-" + var;

  LoadResult without_keys = load_config_file(path, fake_env());
  CAPTURE(join_all(without_keys.errors));
  REQUIRE(without_keys.errors.empty());
  REQUIRE(without_keys.config.has_value());
  CHECK(without_keys.warnings.size() == key_vars.size());  // one per disabled remote provider

  LoadResult with_keys = load_config_file(path, fake_env(all_keys));
  REQUIRE(with_keys.errors.empty());
  CHECK(with_keys.warnings.empty());
  REQUIRE(with_keys.config.has_value());

  const Config& config = *with_keys.config;
  CHECK(config.source_path == path);
  CHECK(config.server.listen_port == 8080);
  CHECK(config.server.workers == 0);
  CHECK(config.keys.empty());
  CHECK_FALSE(config.server.require_key.has_value());
  for (const Provider& provider : config.providers) CHECK(provider.enabled);

  std::set<std::string> families;
  std::set<std::string> origins;
  std::set<std::string> providers_used;
  for (const Model& model : config.models) {
    CAPTURE(model.id);
    CHECK_FALSE(model.endpoints.empty());
    CHECK(model.context_length > 0);
    families.insert(model.family);
    origins.insert(model.origin);
    for (const Endpoint& endpoint : model.endpoints) providers_used.insert(endpoint.provider);
  }
  CHECK(config.models.size() >= 25);
  for (const char* family :
       {"deepseek", "qwen", "kimi", "glm", "llama", "mistral", "gpt", "claude", "gemini"}) {
    CAPTURE(family);
    CHECK(families.count(family) == 1);
  }
  for (const char* origin : {"CN", "US", "FR"}) {
    CAPTURE(origin);
    CHECK(origins.count(origin) == 1);
  }
  for (const char* provider : {"openai", "anthropic", "google", "deepseek", "dashscope",
                               "local-ollama", "local-vllm", "local-llamacpp"}) {
    CAPTURE(provider);
    CHECK(providers_used.count(provider) == 1);
  }

  auto find = [&](const std::string& id) -> const Model* {
    for (const Model& model : config.models) {
      if (model.id == id) return &model;
    }
    return nullptr;
  };
  const Model* r1 = find("deepseek/deepseek-r1");
  REQUIRE(r1 != nullptr);
  CHECK(r1->origin == "CN");
  CHECK(r1->weights == Weights::open);
  CHECK(r1->endpoints[0].price.prompt == 550'000);
  CHECK(r1->endpoints[0].price.completion == 2'190'000);
  const Model* mini = find("openai/gpt-4o-mini");
  REQUIRE(mini != nullptr);
  CHECK(mini->endpoints[0].price.cached_prompt == 75'000);
  for (const char* id : {"qwen/qwen3-32b", "anthropic/claude-sonnet-4", "google/gemini-2.5-flash",
                         "meta-llama/llama-3.3-70b-instruct", "mistralai/mistral-small",
                         "moonshotai/kimi-k2", "z-ai/glm-4.5", "deepseek/deepseek-chat"}) {
    CAPTURE(id);
    CHECK(find(id) != nullptr);
  }
}

TEST_CASE("parse_listen") {
  std::string host;
  std::uint16_t port = 1;
  CHECK(parse_listen("0.0.0.0:8080", host, port));
  CHECK(host == "0.0.0.0");
  CHECK(port == 8080);
  CHECK(parse_listen("[::1]:0", host, port));
  CHECK(host == "::1");
  CHECK(port == 0);
  CHECK(parse_listen("127.0.0.1:0", host, port));
  CHECK(parse_listen("localhost:65535", host, port));
  CHECK(port == 65535);
  for (const char* bad : {"8080", ":8080", "host:", "host:65536", "host:-1", "::1:80", "[::1]",
                          "[]:80", "a b:80", "host:8o"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_listen(bad, host, port));
  }
}

TEST_CASE("parse_base_url") {
  Url url;
  std::string error;
  CHECK(parse_base_url("http://127.0.0.1:11434/v1", url, error));
  CHECK_FALSE(url.tls);
  CHECK(url.host == "127.0.0.1");
  CHECK(url.port == 11434);
  CHECK(url.base_path == "/v1");
  CHECK(parse_base_url("https://generativelanguage.googleapis.com/v1beta/openai/", url, error));
  CHECK(url.tls);
  CHECK(url.port == 443);
  CHECK(url.base_path == "/v1beta/openai");
  CHECK(parse_base_url("http://[::1]:8000", url, error));
  CHECK(url.host == "::1");
  CHECK(url.base_path.empty());
  CHECK(parse_base_url("http://example.com", url, error));
  CHECK(url.port == 80);

  CHECK_FALSE(parse_base_url("ftp://h/", url, error));
  CHECK(error == "must start with http:// or https://");
  CHECK_FALSE(parse_base_url("https://user:secret@h/v1", url, error));
  CHECK(error.find("secret") == std::string::npos);
  CHECK_FALSE(parse_base_url("https://h/v1?x=1", url, error));
  CHECK_FALSE(parse_base_url("https:///v1", url, error));
  CHECK(error == "has no valid host");
  CHECK_FALSE(parse_base_url("http://h:0/", url, error));
  CHECK(error == "has an invalid port");
}

TEST_CASE("parse_duration and parse_byte_size") {
  Millis duration{0};
  CHECK(parse_duration("500ms", duration));
  CHECK(duration == Millis(500));
  CHECK(parse_duration("10s", duration));
  CHECK(duration == Millis(10'000));
  CHECK(parse_duration("2m", duration));
  CHECK(duration == Millis(120'000));
  CHECK(parse_duration("1h", duration));
  CHECK(duration == Millis(3'600'000));
  for (const char* bad : {"", "10", "s", "1.5s", "-1s", "10 s", "10sec", "99999999999h"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_duration(bad, duration));
  }

  std::uint64_t bytes = 0;
  CHECK(parse_byte_size("1048576", bytes));
  CHECK(bytes == 1'048'576);
  CHECK(parse_byte_size("256MiB", bytes));
  CHECK(bytes == 256ull * 1024 * 1024);
  CHECK(parse_byte_size("16KiB", bytes));
  CHECK(bytes == 16 * 1024);
  CHECK(parse_byte_size("2GB", bytes));
  CHECK(bytes == 2'000'000'000ull);
  for (const char* bad : {"", "MiB", "1.5MiB", "12 MiB", "1TiB", "-1", "99999999999999999999GiB"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_byte_size(bad, bytes));
  }
}
