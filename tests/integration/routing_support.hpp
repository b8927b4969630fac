#pragma once
// Support for the routing tests: several fake upstreams, each its own
// provider in the gateway config, with models that carry provenance facts,
// key policies, keys (stored as the SHA-256 of a test token) and the routing
// knobs (attempts, breaker, cooldown cap). Plus small request helpers.
#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/integration/fake_upstream.hpp"
#include "tests/integration/harness.hpp"
#include "tests/integration/http_client.hpp"
#include "tests/integration/wire_formats.hpp"

namespace itest::routing {

// Lower-case hex SHA-256, computed independently of the gateway's own code.
std::string sha256_hex(std::string_view data);

struct Provider {
  std::string name;
  std::string location = "local";  // local | remote
  std::string jurisdiction = "on-prem";
  bool retains_prompts = false;
  std::string first_byte = "2s";
  std::string response;  // timeouts.response; "" leaves it to the global default
};

struct Endpoint {
  std::string provider;
  std::string prompt_price = "1";  // USD per 1M tokens
  std::string completion_price = "1";
  std::string upstream_model;  // default: "<provider>-model"
};

struct Model {
  std::string id;
  std::string family = "llama";
  std::string author = "Meta";
  std::string origin = "US";
  std::string weights = "open";
  std::vector<Endpoint> endpoints;
};

struct Key {
  std::string name;
  std::string token;   // the bearer token; the config gets its SHA-256
  std::string policy;  // "" for none
};

struct Setup {
  std::vector<Provider> providers;
  std::vector<Model> models;
  std::string policies_yaml;  // the `policies:` list items, verbatim YAML
  std::vector<Key> keys;
  int max_attempts = 3;
  int breaker_failures = 5;
  std::string breaker_cooldown = "30s";
  std::string retry_after_cap = "5m";
  int workers = 1;
  std::string routing_yaml;  // more `server.routing` lines, verbatim (4 spaces indent)
};

// Fake upstreams by provider name, plus the gateway configured against them.
// Every fake starts with an OpenAI-compatible handler.
class Fleet {
 public:
  explicit Fleet(Setup setup);
  ~Fleet();

  FakeUpstream& fake(const std::string& provider);
  std::size_t total_hits() const;
  std::uint16_t port() const { return gateway_->port(); }
  GatewayProcess& gateway() { return *gateway_; }
  const Setup& setup() const { return setup_; }
  std::string config_text() const;

 private:
  Setup setup_;
  std::map<std::string, std::unique_ptr<FakeUpstream>> fakes_;
  std::unique_ptr<GatewayProcess> gateway_;
};

std::string render(const Setup& setup, const std::map<std::string, std::string>& base_urls);

// --- handlers --------------------------------------------------------------

// An OpenAI-compatible answer after `delay` (the response head included, as a
// server that generates the whole answer before replying).
Handler delayed_handler(std::chrono::milliseconds delay, FakeAnswer answer = {});
// An OpenAI-style error with `status` and extra headers (e.g. Retry-After).
Handler error_handler(int status, Headers headers = {});

// --- requests --------------------------------------------------------------

// {"model":model,"messages":[...]} plus `extra` fields (provider, models, ...).
std::string chat_json(std::string_view model, const boost::json::object& extra = {});
// Authorization: Bearer <token>, or no header for an empty token.
Headers bearer(std::string_view token);
HttpResponse post_chat(std::uint16_t port, const std::string& body, std::string_view token = {});
HttpResponse post_route(std::uint16_t port, const std::string& body, std::string_view token = {});

// The trace item of an explain answer for `provider` (and model, when given).
const boost::json::object* trace_item(const boost::json::value& plan, std::string_view provider,
                                      std::string_view model = {});

}  // namespace itest::routing
