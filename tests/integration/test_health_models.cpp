// Health per model: a server that lists its models (Ollama's /api/tags,
// vLLM's /v1/models) makes each catalog model healthy or not on its own; a
// model it does not list is avoided, hidden from /v1/models, named in
// /readyz and counted in switchyard_endpoint_state. The log says once what
// each server serves. Also: /v1/models hides models without an enabled
// endpoint, and answers Anthropic clients in Anthropic's list shape.
#include <memory>
#include <mutex>

#include "tests/integration/provider_fixtures.hpp"

using namespace itest;
namespace json = boost::json;

namespace {

// Ollama's GET /api/tags, as Ollama 0.5 writes it.
std::string ollama_tags(const std::vector<std::string>& names) {
  json::array models;
  for (const std::string& name : names) {
    models.push_back(
        json::object{{"name", name},
                     {"model", name},
                     {"modified_at", "2025-01-12T10:31:44.000000000Z"},
                     {"size", 4920753328},
                     {"digest", "46e0c10c039e019119339687c3c1757cc81b9da49709a3b3924863ba87ca666e"},
                     {"details", json::object{{"parent_model", ""},
                                              {"format", "gguf"},
                                              {"family", "llama"},
                                              {"families", json::array{"llama"}},
                                              {"parameter_size", "8.0B"},
                                              {"quantization_level", "Q4_K_M"}}}});
  }
  return json::serialize(json::object{{"models", std::move(models)}});
}

// vLLM's GET /v1/models.
std::string vllm_models(const std::vector<std::string>& ids) {
  json::array data;
  for (const std::string& id : ids) {
    data.push_back(json::object{{"id", id},
                                {"object", "model"},
                                {"created", 1736676704},
                                {"owned_by", "vllm"},
                                {"root", id},
                                {"parent", nullptr},
                                {"max_model_len", 32768},
                                {"permission", json::array{}}});
  }
  return json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}});
}

// A local server: `probe_path` answers 200, `list_path` answers the listing
// (which the test can change), chat requests the OpenAI way.
struct ListingServer {
  std::shared_ptr<std::mutex> mutex = std::make_shared<std::mutex>();
  std::shared_ptr<std::string> listing;
  FakeUpstream upstream;

  ListingServer(std::string probe_path, std::string list_path, std::string initial)
      : listing(std::make_shared<std::string>(std::move(initial))),
        upstream([mutex = mutex, listing = listing, probe_path,
                  list_path](const RecordedRequest& request) {
          if (request.method == "GET" && request.target == list_path) {
            std::lock_guard lock(*mutex);
            return Response::json(*listing);
          }
          if (request.method == "GET" && request.target == probe_path)
            return Response::json(R"({"version":"0.5.7"})");
          return openai_handler()(request);
        }) {}

  void set_listing(std::string body) {
    std::lock_guard lock(*mutex);
    *listing = std::move(body);
  }
  std::size_t chats_for(std::string_view upstream_model) const {
    std::size_t n = 0;
    for (const auto& r : upstream.requests()) {
      if (r.method != "POST") continue;
      auto body = r.json();
      if (body.is_object() && body.as_object().contains("model") &&
          str(body.at("model")) == upstream_model)
        ++n;
    }
    return n;
  }
};

// Two catalog models on one provider "local": test/alpha (upstream `alpha`)
// and test/beta (upstream `beta`).
std::string two_model_config(const std::string& base_url, std::string_view flavor,
                             std::string_view alpha, std::string_view beta) {
  ConfigSpec spec = basic_spec(base_url);
  spec.providers[0].name = "local";
  spec.models[0].endpoints[0].provider = "local";
  spec.models[0].endpoints[0].upstream_model = std::string(alpha);
  ModelSpec second = spec.models[0];
  second.id = "test/beta";
  second.endpoints[0].upstream_model = std::string(beta);
  spec.models.push_back(second);
  return with_provider_extras(
      render_config(spec), "local",
      {.flavor = std::string(flavor), .health = "{ enabled: true, interval: 200ms, timeout: 1s }"});
}

// The entry of `id` in a /v1/models answer, or null.
json::value model_entry(TestClient& client, std::string_view target, std::string_view id) {
  auto res = client.get(target);
  if (res.status != 200) return nullptr;
  auto body = res.json();
  for (const auto& m : body.at("data").as_array()) {
    if (str(m.at("id")) == id) return m;
  }
  return nullptr;
}

std::string endpoint_state_of(std::uint16_t port, std::string_view id) {
  TestClient client(port);
  json::value entry = model_entry(client, "/v1/models?all=true", id);
  if (entry.is_null()) return "missing";
  return str(entry.at("endpoints").at(0).at("state"));
}

bool wait_state(std::uint16_t port, std::string_view id, std::string_view state) {
  return wait_until([&] { return endpoint_state_of(port, id) == state; }, 5s);
}

// The value of one switchyard_endpoint_state series, "" when absent.
std::string gauge(const std::string& metrics, std::string_view model, std::string_view state) {
  std::string series = "switchyard_endpoint_state{provider=\"local\",model=\"";
  series.append(model).append("\",state=\"").append(state).append("\"} ");
  auto at = metrics.find(series);
  if (at == std::string::npos) return "";
  return metrics.substr(at + series.size(), 1);
}

}  // namespace

TEST_SUITE("health per model") {
  TEST_CASE("an Ollama listing one of two catalog models: only that one routes there") {
    ListingServer ollama("/api/version", "/api/tags", ollama_tags({"llama3.1:8b", "nomic-embed"}));
    GatewayProcess gateway(
        two_model_config(ollama.upstream.base_url(), "ollama", "llama3.1:8b", "qwen2.5:7b"));
    const auto port = gateway.port();
    REQUIRE(wait_state(port, "test/alpha", "healthy"));
    REQUIRE(wait_state(port, "test/beta", "unhealthy"));
    TestClient client(port);

    auto served = client.post("/v1/chat/completions", chat_body("test/alpha"));
    CHECK(served.status == 200);
    auto refused = client.post("/v1/chat/completions", chat_body("test/beta"));
    auto error = check_error(refused, 503, "no_endpoint_available");
    CHECK(str(error.at("message")).find("model not listed by server") != std::string::npos);
    CHECK(ollama.chats_for("qwen2.5:7b") == 0);
    CHECK(ollama.chats_for("llama3.1:8b") == 1);

    // Usable models only by default; the whole catalog, with reasons, on ?all=true.
    CHECK(model_entry(client, "/v1/models", "test/alpha").is_object());
    CHECK(model_entry(client, "/v1/models", "test/beta").is_null());
    json::value beta = model_entry(client, "/v1/models?all=true", "test/beta");
    REQUIRE(beta.is_object());
    CHECK(str(beta.at("endpoints").at(0).at("reason")) == "model not listed by server");

    auto ready = client.get("/readyz");
    CHECK(ready.status == 200);
    auto not_healthy = ready.json().at("not_healthy").as_array();
    REQUIRE(not_healthy.size() == 1);
    CHECK(str(not_healthy.at(0).at("model")) == "test/beta");
    CHECK(str(not_healthy.at(0).at("state")) == "unhealthy");
    CHECK(str(not_healthy.at(0).at("reason")) == "model not listed by server");

    std::string metrics = client.get("/metrics").body;
    CHECK(gauge(metrics, "test/alpha", "healthy") == "1");
    CHECK(gauge(metrics, "test/alpha", "unhealthy") == "0");
    CHECK(gauge(metrics, "test/beta", "unhealthy") == "1");
    CHECK(gauge(metrics, "test/beta", "healthy") == "0");
    CHECK(gauge(metrics, "test/beta", "disabled") == "0");

    // The model gets pulled: healthy on the next probe, logged once.
    ollama.set_listing(ollama_tags({"llama3.1:8b", "qwen2.5:7b"}));
    REQUIRE(wait_state(port, "test/beta", "healthy"));
    CHECK(client.post("/v1/chat/completions", chat_body("test/beta")).status == 200);
    // A few more probes: none may log again.
    const std::size_t probes_then = ollama.upstream.hits();
    REQUIRE(wait_until([&] { return ollama.upstream.hits() >= probes_then + 6; }, 5s));
    std::string log = gateway.log_text();
    INFO(log);
    CHECK(log.find("local at 127.0.0.1:" + std::to_string(ollama.upstream.port()) +
                   " answered; serves 1 of 2 catalog models (it lists 2); not listed: test/beta "
                   "(qwen2.5:7b)") != std::string::npos);
    auto count = [&](std::string_view text) {
      std::size_t n = 0;
      for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
      return n;
    };
    CHECK(count("answered; serves") == 1);
    CHECK(count("test/beta on local (qwen2.5:7b) is now healthy") == 1);
  }

  TEST_CASE("an Ollama tag-less upstream name is served by its :latest tag") {
    ListingServer ollama("/api/version", "/api/tags", ollama_tags({"llama3.1:latest"}));
    GatewayProcess gateway(
        two_model_config(ollama.upstream.base_url(), "ollama", "llama3.1", "llama3.1:70b"));
    REQUIRE(wait_state(gateway.port(), "test/alpha", "healthy"));
    REQUIRE(wait_state(gateway.port(), "test/beta", "unhealthy"));
  }

  TEST_CASE("a vLLM server: health per model from /v1/models") {
    ListingServer vllm("/health", "/v1/models", vllm_models({"Qwen/Qwen2.5-7B-Instruct"}));
    GatewayProcess gateway(two_model_config(vllm.upstream.base_url(), "vllm",
                                            "Qwen/Qwen2.5-7B-Instruct", "meta-llama/Llama-3.1-8B"));
    const auto port = gateway.port();
    REQUIRE(wait_state(port, "test/alpha", "healthy"));
    REQUIRE(wait_state(port, "test/beta", "unhealthy"));
    TestClient client(port);
    CHECK(client.post("/v1/chat/completions", chat_body("test/alpha")).status == 200);
    check_error(client.post("/v1/chat/completions", chat_body("test/beta")), 503,
                "no_endpoint_available");
    CHECK(vllm.chats_for("meta-llama/Llama-3.1-8B") == 0);
  }

  TEST_CASE("a server that gives no listing is checked as one server") {
    // llama.cpp answers any model name with the one it loaded: never listed.
    ListingServer llamacpp("/health", "/v1/models", vllm_models({"some-file.gguf"}));
    GatewayProcess gateway(
        two_model_config(llamacpp.upstream.base_url(), "llamacpp", "alpha", "beta"));
    REQUIRE(wait_state(gateway.port(), "test/alpha", "healthy"));
    REQUIRE(wait_state(gateway.port(), "test/beta", "healthy"));
    CHECK(gateway.log_text().find("serves 2 of 2 catalog models (checked as one server)") !=
          std::string::npos);
  }
}

TEST_SUITE("/v1/models listing") {
  TEST_CASE("models without an enabled endpoint are listed only with ?all=true") {
    FakeUpstream fake(openai_handler());
    ConfigSpec spec = basic_spec(fake.base_url());
    ProviderSpec keyless;
    keyless.name = "keyless";
    keyless.base_url = fake.base_url();
    keyless.api_key_env = "SWITCHYARD_TEST_UNSET_KEY";
    spec.providers.push_back(keyless);
    ModelSpec orphan = spec.models[0];
    orphan.id = "test/orphan";
    orphan.endpoints[0].provider = "keyless";
    spec.models.push_back(orphan);
    GatewayProcess gateway(render_config(spec));
    TestClient client(gateway.port());

    auto listed = client.get("/v1/models").json();
    REQUIRE(listed.at("data").as_array().size() == 1);
    CHECK(str(listed.at("data").at(0).at("id")) == "test/alpha");

    auto all = client.get("/v1/models?all=true").json();
    REQUIRE(all.at("data").as_array().size() == 2);
    const auto& endpoint = all.at("data").at(1).at("endpoints").at(0);
    CHECK(str(endpoint.at("state")) == "disabled");
    CHECK(str(endpoint.at("reason")).find("SWITCHYARD_TEST_UNSET_KEY") != std::string::npos);
    CHECK(
        client.get("/metrics")
            .body.find("switchyard_endpoint_state{provider=\"keyless\",model=\"test/orphan\",state="
                       "\"disabled\"} 1") != std::string::npos);
  }

  TEST_CASE("an Anthropic client gets Anthropic's list shape") {
    FakeUpstream fake(openai_handler());
    ConfigSpec spec = basic_spec(fake.base_url());
    ModelSpec beta = spec.models[0];
    beta.id = "test/beta";
    spec.models.push_back(beta);
    GatewayProcess gateway(render_config(spec));
    TestClient client(gateway.port());
    auto res = client.request("GET", "/v1/models", {}, {{"anthropic-version", "2023-06-01"}});
    REQUIRE(res.status == 200);
    auto body = res.json().as_object();
    CHECK(body.size() == 4);
    CHECK(body.at("has_more") == false);
    CHECK(str(body.at("first_id")) == "test/alpha");
    CHECK(str(body.at("last_id")) == "test/beta");
    const auto& data = body.at("data").as_array();
    REQUIRE(data.size() == 2);
    const auto& first = data.at(0).as_object();
    CHECK(first.size() == 4);
    CHECK(str(first.at("type")) == "model");
    CHECK(str(first.at("id")) == "test/alpha");
    CHECK(first.at("display_name").is_string());
    CHECK(str(first.at("created_at")) == "1970-01-01T00:00:00Z");
    // Without the header: OpenAI's shape.
    CHECK(str(client.get("/v1/models").json().at("object")) == "list");
  }
}
