#include "tests/integration/routing_support.hpp"

#include <openssl/evp.h>

#include <sstream>
#include <stdexcept>
#include <thread>

namespace itest::routing {

namespace json = boost::json;

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

std::string render(const Setup& setup, const std::map<std::string, std::string>& base_urls) {
  std::ostringstream y;
  y << "server:\n"
    << "  listen: 127.0.0.1:0\n"
    << "  workers: " << setup.workers << "\n"
    << "  access_log: \"-\"\n"
    << "  log_level: info\n"
    << "  explain: true\n"
    << "  usage_log: { path: \"@TMP@/usage.jsonl\", fsync: never }\n"
    << "  limits: { header_timeout: 2s, idle_timeout: 5s, shutdown_grace: 2s }\n"
    << "  routing:\n"
    << "    max_attempts: " << setup.max_attempts << "\n"
    << "    breaker_failures: " << setup.breaker_failures << "\n"
    << "    breaker_cooldown: " << setup.breaker_cooldown << "\n"
    << "    retry_after_cap: " << setup.retry_after_cap << "\n"
    << setup.routing_yaml;
  y << "providers:\n";
  for (const Provider& p : setup.providers) {
    y << "  - name: " << p.name << "\n"
      << "    kind: openai\n"
      << "    base_url: \"" << base_urls.at(p.name) << "\"\n"
      << "    api_key_env: " << kProviderKeyEnv << "\n"
      << "    hosting: { location: " << p.location << ", jurisdiction: " << p.jurisdiction << " }\n"
      << "    data_policy: { retains_prompts: " << (p.retains_prompts ? "true" : "false")
      << ", trains_on_prompts: false }\n"
      << "    timeouts: { connect: 1s, first_byte: " << p.first_byte
      << (p.response.empty() ? "" : ", response: " + p.response) << ", between_chunks: 2s }\n"
      << "    health: { enabled: false }\n";
  }
  y << "models:\n";
  for (const Model& m : setup.models) {
    y << "  - id: " << m.id << "\n"
      << "    family: " << m.family << "\n"
      << "    author: " << m.author << "\n"
      << "    origin: " << m.origin << "\n"
      << "    weights: " << m.weights << "\n"
      << "    license: MIT\n"
      << "    context_length: 32768\n"
      << "    endpoints:\n";
    for (const Endpoint& e : m.endpoints) {
      std::string upstream = e.upstream_model.empty() ? e.provider + "-model" : e.upstream_model;
      y << "      - provider: " << e.provider << "\n"
        << "        upstream_model: " << upstream << "\n"
        << "        price: { prompt: " << e.prompt_price << ", completion: " << e.completion_price
        << " }\n";
    }
  }
  if (!setup.policies_yaml.empty()) y << "policies:\n" << setup.policies_yaml;
  if (!setup.keys.empty()) {
    y << "keys:\n";
    for (const Key& k : setup.keys) {
      y << "  - name: " << k.name << "\n"
        << "    key_sha256: " << sha256_hex(k.token) << "\n";
      if (!k.policy.empty()) y << "    policy: " << k.policy << "\n";
    }
  }
  return y.str();
}

Fleet::Fleet(Setup setup) : setup_(std::move(setup)) {
  for (const Provider& p : setup_.providers) {
    fakes_.emplace(p.name, std::make_unique<FakeUpstream>(openai_handler()));
  }
  gateway_ = std::make_unique<GatewayProcess>(config_text());
}

Fleet::~Fleet() {
  gateway_.reset();  // stop the gateway before its upstreams go away
}

std::string Fleet::config_text() const {
  std::map<std::string, std::string> urls;
  for (const auto& [name, fake] : fakes_) urls.emplace(name, fake->base_url());
  return render(setup_, urls);
}

FakeUpstream& Fleet::fake(const std::string& provider) {
  return *fakes_.at(provider);
}

std::size_t Fleet::total_hits() const {
  std::size_t total = 0;
  for (const auto& [name, fake] : fakes_) total += fake->hits();
  return total;
}

Handler delayed_handler(std::chrono::milliseconds delay, FakeAnswer answer) {
  Handler inner = openai_handler(std::move(answer));
  return [inner, delay](const RecordedRequest& request) {
    // Each connection has its own thread: sleeping here delays this answer only.
    std::this_thread::sleep_for(delay);
    return inner(request);
  };
}

Handler error_handler(int status, Headers headers) {
  return [status, headers](const RecordedRequest&) {
    std::string type = status == 429 ? "rate_limit_error" : "server_error";
    return Response::json(openai_error("scripted failure", type, "scripted"), status, headers);
  };
}

std::string chat_json(std::string_view model, const json::object& extra) {
  json::object body{{"model", model},
                    {"messages", json::array{json::object{{"role", "user"}, {"content", "Hi"}}}}};
  for (const auto& [key, value] : extra) body[key] = value;
  return json::serialize(body);
}

Headers bearer(std::string_view token) {
  if (token.empty()) return {};
  return {{"Authorization", "Bearer " + std::string(token)}};
}

HttpResponse post_chat(std::uint16_t port, const std::string& body, std::string_view token) {
  TestClient client(port);
  return client.post("/v1/chat/completions", body, bearer(token));
}

HttpResponse post_route(std::uint16_t port, const std::string& body, std::string_view token) {
  TestClient client(port);
  return client.post("/v1/route", body, bearer(token));
}

const json::object* trace_item(const json::value& plan, std::string_view provider,
                               std::string_view model) {
  const json::object* root = plan.if_object();
  const json::value* trace = root ? root->if_contains("trace") : nullptr;
  if (trace == nullptr || !trace->is_array()) return nullptr;
  for (const json::value& item : trace->get_array()) {
    const json::object* object = item.if_object();
    if (object == nullptr) continue;
    const json::value* name = object->if_contains("provider");
    if (name == nullptr || !name->is_string() || name->get_string() != provider) continue;
    if (!model.empty()) {
      const json::value* id = object->if_contains("model");
      if (id == nullptr || !id->is_string() || id->get_string() != model) continue;
    }
    return object;
  }
  return nullptr;
}

}  // namespace itest::routing
