#pragma once
// The config model: plain structs filled by the YAML loader (config_loader)
// and frozen into a Snapshot. Nothing here does I/O.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/money.hpp"

namespace switchyard::config {

using Millis = std::chrono::milliseconds;

enum class ProviderKind { openai, anthropic };
enum class HostingLocation { local, remote };
// unknown: nothing in the config says; no rule asking for open or closed
// weights matches it.
enum class Weights { open, closed, unknown };
enum class FsyncPolicy { never, interval, always };
enum class LogLevel { debug, info, warn, error };

struct Url {
  bool tls = false;
  std::string host;
  std::uint16_t port = 0;
  std::string base_path;  // without trailing slash, e.g. "/v1"
};

struct DataPolicy {
  bool retains_prompts = false;
  bool trains_on_prompts = false;
};

struct HealthCheck {
  bool enabled = false;  // default: on for local providers
  std::string path;      // default by server type, see config_loader
  Millis interval{10'000};
  Millis timeout{2'000};
};

struct UpstreamTimeouts {
  Millis connect{5'000};
  Millis first_byte{60'000};  // streams: request sent -> response head / first event
  // Non-streamed requests: request sent -> whole answer. Unset: the global
  // server.routing.response_timeout.
  std::optional<Millis> response;
  Millis between_chunks{60'000};  // idle gap while reading the body
};

// Provenance a provider supplies to the catalog models served on it that do
// not state their own (a self-hosted server's minimal entries, its wildcard
// entry). Empty: unset, and the model's fact is "unknown".
struct ModelDefaults {
  std::string family;
  std::string author;
  std::string origin;
  std::optional<Weights> weights;
  std::string license;
  std::int64_t context_length = 0;
};

struct Provider {
  std::string name;
  ProviderKind kind = ProviderKind::openai;
  // What serves it, for defaults such as the health-check path: vllm |
  // llamacpp | ollama | sglang | openai | anthropic | deepseek | dashscope |
  // gemini | generic.
  std::string flavor = "generic";
  std::string base_url;  // as written
  Url url;               // parsed from base_url
  std::string api_key_env;
  std::string api_key;  // resolved from api_key_env at load; never logged
  HostingLocation location = HostingLocation::remote;
  std::string jurisdiction;  // ISO country, "on-prem", "EU", ...
  DataPolicy data_policy;
  std::string ca_file;  // extra CA bundle for private endpoints
  std::string anthropic_version = "2023-06-01";
  HealthCheck health;
  UpstreamTimeouts timeouts;
  ModelDefaults model_defaults;
  // Upstream connections in flight at once, per worker; idle ones are kept
  // (never more than were in use) and closed after pool_idle unused.
  std::size_t max_connections = 512;
  Millis pool_idle{60'000};
  std::size_t max_queued = 1024;  // requests waiting for a connection, per worker
  Millis queue_timeout{5'000};    // then 503 with Retry-After
  bool enabled = true;            // false when its key variable is unset
  std::string disabled_reason;    // why it is not enabled
  int line = 0;                   // YAML line, for messages
};

struct Price {
  Picousd prompt = 0;         // per prompt token
  Picousd completion = 0;     // per completion token
  Picousd cached_prompt = 0;  // per cached prompt token (defaults to prompt)
  // Per prompt token written to a cache (Anthropic); none: the prompt price.
  std::optional<Picousd> cache_write;
};

struct Endpoint {
  std::string provider;  // provider name
  std::size_t provider_index = 0;
  std::string upstream_model;  // model name sent upstream
  Price price;
  std::string quantization;                    // "fp16", "fp8", "q4_k_m", ... empty if unknown
  std::optional<std::int64_t> context_length;  // when smaller than the model's
};

struct Model {
  std::string id;  // "deepseek/deepseek-r1"; "PREFIX/*" for a wildcard entry
  // Set on a model a request named through a wildcard entry: that entry's id
  // ("ollama/*"), which metric labels use so the free-form name never becomes
  // one. Empty for catalog entries.
  std::string wildcard;
  // Other names clients send for it ("gpt-4o-mini", "llama3.1:8b"); unique
  // across every id and alias of the catalog.
  std::vector<std::string> aliases;
  std::string name;
  // Provenance: from the entry, else its provider's model_defaults, else
  // "unknown" (Weights::unknown), which no rule naming a value matches.
  std::string family;  // "deepseek"
  std::string author;  // "DeepSeek"
  std::string origin;  // ISO country of the developer, "CN"
  Weights weights = Weights::open;
  std::string license;              // SPDX id or name
  std::int64_t context_length = 0;  // 0: unknown
  // "model" when the entry states every provenance fact itself,
  // "provider_default" when some came from its provider's model_defaults,
  // "unknown" when some fact is stated nowhere (that outranks the others).
  std::string provenance_source = "model";
  std::int64_t max_output_tokens = 4096;  // default max_tokens when caller gives none
  std::vector<Endpoint> endpoints;

  // "ollama/*": any "ollama/NAME" goes to these endpoints as upstream model NAME.
  bool is_wildcard() const { return id.size() > 2 && id.ends_with("/*"); }
};

// A rule is a conjunction: it matches a candidate when every field that is set
// matches. Lists match when the candidate's value is any of them. A fact the
// catalog does not state is "unknown" (Weights::unknown): only a rule that
// names `unknown` matches it, so an allow rule never lets it through and a
// deny rule removes it only when it says so.
struct Rule {
  std::vector<std::string> origin;
  std::vector<std::string> family;
  std::vector<std::string> author;
  std::vector<std::string> license;
  std::vector<std::string> jurisdiction;
  std::vector<std::string> model;  // model ids
  std::vector<std::string> provider;
  std::optional<Weights> weights;
  std::optional<HostingLocation> hosting;
  std::optional<bool> retains_prompts;
  std::optional<bool> trains_on_prompts;
  int line = 0;
};

struct Policy {
  std::string name;
  std::vector<Rule> allow;  // when non-empty a candidate must match one
  std::vector<Rule> deny;   // a candidate matching any is removed
  std::optional<Picousd> max_prompt_price;
  std::optional<Picousd> max_completion_price;
  int line = 0;
};

struct Key {
  std::string name;
  std::array<unsigned char, 32> sha256{};
  std::string policy;  // empty: no policy
  // Requests in flight at once with this key, over all workers; beyond it 429.
  // 0: no limit of its own (the connection cap still applies).
  std::size_t max_concurrent = 0;
  int line = 0;
};

struct Limits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 4 * 1024 * 1024;  // every route but the chat ones
  // /v1/chat/completions and /v1/messages: images travel as base64 inside the
  // JSON. OpenAI takes 20 MB images (~27 MB as base64), Anthropic 32 MB
  // requests; 32 MiB passes both.
  std::size_t max_chat_body_bytes = 32 * 1024 * 1024;
  std::size_t max_upstream_body_bytes = 64 * 1024 * 1024;
  Millis header_timeout{10'000};
  Millis idle_timeout{75'000};
  Millis body_timeout{30'000};  // the whole request body, from the end of the header
  Millis send_timeout{30'000};
  Millis shutdown_grace{30'000};
  std::size_t max_connections = 10'000;  // whole process
};

struct UsageLog {
  std::string path = "switchyard-usage.jsonl";  // empty: disabled
  std::uint64_t rotate_bytes = 256ull * 1024 * 1024;
  FsyncPolicy fsync = FsyncPolicy::interval;
  Millis fsync_interval{1'000};
};

struct Routing {
  std::size_t max_attempts = 3;
  std::int64_t default_completion_tokens = 512;  // cost estimate without max_tokens
  double price_tie_ratio = 0.05;                 // prices within 5% are "near-equal" and spread
  std::uint32_t breaker_failures = 5;
  Millis breaker_cooldown{30'000};
  Millis retry_after_cap{300'000};
  // Retry budget: at most this share of active requests may be retries or
  // fallbacks at once, but never fewer than retry_budget_min of them.
  double retry_budget = 0.2;
  std::int64_t retry_budget_min = 3;
  // An attempt whose request reached the upstream and then failed without an
  // answer (a timeout, a dropped connection) may still be generating and
  // billed: it goes to another endpoint only when this is true.
  bool retry_possibly_billed = false;
  // Non-streamed requests, for providers that set no timeouts.response. The
  // upstream sends its head only once the answer is generated, so this
  // bounds a whole generation, and a reasoning model often needs minutes:
  // 600 s, as the OpenAI client and LiteLLM wait.
  Millis response_timeout{600'000};
};

// Downstream TLS on the public listener. The certificate and key are re-read
// on SIGHUP; connections accepted after that get the new ones.
struct ServerTls {
  std::string cert;                 // PEM file: the certificate chain
  std::string key;                  // PEM file: its private key
  std::string min_version = "1.2";  // "1.2" | "1.3"
};

struct Server {
  // Loopback by default: without keys, any other address is an open relay
  // (see config/exposure.hpp).
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  // A second listener for metrics, dashboard, stats and readiness; when set,
  // those routes leave the public listener.
  std::optional<std::string> admin_host;
  std::uint16_t admin_port = 0;
  std::optional<ServerTls> tls;
  // Paths that reveal traffic or configuration but are served without a key
  // even when keys exist (e.g. /metrics for a scraper on the admin listener).
  std::vector<std::string> open_paths;
  unsigned workers = 0;  // 0: one per core
  Limits limits;
  std::string access_log = "-";  // "-": stderr, "": off, else a file path
  LogLevel log_level = LogLevel::info;
  std::optional<bool> require_key;  // default: required when keys exist
  // Serve a non-loopback listener with no key required (warned at start).
  bool allow_unauthenticated = false;
  UsageLog usage_log;
  Routing routing;
  bool expose_explain = true;  // POST /v1/route
};

struct Config {
  Server server;
  std::vector<Provider> providers;
  std::vector<Model> models;
  std::vector<Policy> policies;
  std::vector<Key> keys;
  std::string source_path;
};

const char* to_string(ProviderKind);
const char* to_string(HostingLocation);
const char* to_string(Weights);

}  // namespace switchyard::config
