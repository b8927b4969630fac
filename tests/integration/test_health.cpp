// Active health checks: a provider whose health route fails is marked
// unhealthy in /v1/models, requests go around it, /readyz is 503 when no
// endpoint is usable and 200 again once one recovers; flavors probe their
// server's own route by default.
#include <atomic>
#include <memory>

#include "tests/integration/provider_fixtures.hpp"

using namespace itest;
namespace json = boost::json;

namespace {

// An OpenAI-compatible server whose GET `health_path` answers `status`.
struct HealthyFake {
  std::shared_ptr<std::atomic<int>> status = std::make_shared<std::atomic<int>>(200);
  FakeUpstream upstream;

  explicit HealthyFake(std::string health_path, std::string health_body = "{}")
      : upstream([status = status, health_path, health_body](const RecordedRequest& request) {
          if (request.method == "GET" && request.target == health_path)
            return Response::json(health_body, status->load());
          return openai_handler()(request);
        }) {}

  std::size_t chat_hits() const {
    std::size_t n = 0;
    for (const auto& r : upstream.requests()) n += r.method == "POST" ? 1 : 0;
    return n;
  }
  std::size_t probes(std::string_view path) const {
    std::size_t n = 0;
    for (const auto& r : upstream.requests()) n += r.method == "GET" && r.target == path ? 1 : 0;
    return n;
  }
};

// /v1/models: the state of `provider`'s endpoint of the first model.
std::string endpoint_state(TestClient& client, std::string_view provider) {
  auto res = client.get("/v1/models");
  if (res.status != 200) return "http " + std::to_string(res.status);
  auto body = res.json();
  for (const auto& endpoint : body.at("data").at(0).at("endpoints").as_array()) {
    if (str(endpoint.at("provider")) == provider) return str(endpoint.at("state"));
  }
  return "missing";
}

bool wait_state(std::uint16_t port, std::string_view provider, std::string_view state) {
  return wait_until(
      [&] {
        TestClient client(port);
        return endpoint_state(client, provider) == state;
      },
      3s);
}

int readyz(std::uint16_t port) {
  TestClient client(port);
  return client.get("/readyz").status;
}

constexpr const char* kFastHealth =
    "{ enabled: true, path: /health, interval: 200ms, timeout: 500ms }";

}  // namespace

TEST_SUITE("health") {
  TEST_CASE("a failing health check flips the endpoint; traffic and readiness follow") {
    HealthyFake a("/health");
    HealthyFake b("/health");
    ConfigSpec spec = basic_spec(a.upstream.base_url());
    ProviderSpec second;
    second.name = "fake-b";
    second.base_url = b.upstream.base_url();
    spec.providers.push_back(second);
    EndpointSpec backup;
    backup.provider = "fake-b";
    backup.upstream_model = "beta-upstream";
    backup.prompt_price = "5";  // pricier: used only when fake-a is out
    backup.completion_price = "5";
    spec.models[0].endpoints.push_back(backup);
    std::string yaml = render_config(spec);
    yaml = with_provider_extras(yaml, "fake-a", {.flavor = "vllm", .health = kFastHealth});
    // llama.cpp's default health route is /health too.
    yaml = with_provider_extras(
        yaml, "fake-b", {.flavor = "llamacpp", .health = "{ enabled: true, interval: 200ms }"});
    GatewayProcess gateway(yaml);
    const auto port = gateway.port();

    REQUIRE(wait_state(port, "fake-a", "healthy"));
    REQUIRE(wait_state(port, "fake-b", "healthy"));
    CHECK(a.probes("/health") >= 1);
    CHECK(b.probes("/health") >= 1);
    TestClient client(port);
    auto first = client.post("/v1/chat/completions", chat_body());
    REQUIRE(first.status == 200);
    CHECK(first.header("x-switchyard-provider") == "fake-a");
    CHECK(readyz(port) == 200);

    a.status->store(503);
    REQUIRE(wait_state(port, "fake-a", "unhealthy"));
    std::size_t a_hits = a.chat_hits();
    for (bool stream : {false, true}) {
      auto res = client.post("/v1/chat/completions", chat_body("test/alpha", stream));
      REQUIRE(res.status == 200);
      CHECK(res.header("x-switchyard-provider") == "fake-b");
      CHECK(res.header("x-switchyard-attempts") == "1");  // avoided, not tried and failed
    }
    CHECK(a.chat_hits() == a_hits);
    CHECK(readyz(port) == 200);

    b.status->store(503);
    REQUIRE(wait_state(port, "fake-b", "unhealthy"));
    auto ready = TestClient(port).get("/readyz");
    CHECK(ready.status == 503);
    CHECK(ready.json().at("usable_endpoints") == 0);
    auto none = client.post("/v1/chat/completions", chat_body());
    check_error(none, 503, "");
    CHECK(a.chat_hits() == a_hits);

    a.status->store(200);
    REQUIRE(wait_state(port, "fake-a", "healthy"));
    CHECK(readyz(port) == 200);
    auto back = client.post("/v1/chat/completions", chat_body());
    REQUIRE(back.status == 200);
    CHECK(back.header("x-switchyard-provider") == "fake-a");
  }

  TEST_CASE("an Ollama provider is probed at /api/version by default") {
    HealthyFake ollama("/api/version", R"({"version":"0.5.7"})");
    std::string yaml =
        with_provider_extras(render_config(basic_spec(ollama.upstream.base_url())), "fake-a",
                             {.flavor = "ollama", .health = "{ enabled: true, interval: 200ms }"});
    GatewayProcess gateway(yaml);
    REQUIRE(wait_until([&] { return ollama.probes("/api/version") >= 1; }, 3s));
    auto probe = ollama.upstream.requests().front();
    CHECK(probe.method == "GET");
    CHECK(probe.target == "/api/version");  // from the host root, not under /v1
    CHECK(wait_state(gateway.port(), "fake-a", "healthy"));
    ollama.status->store(500);
    CHECK(wait_state(gateway.port(), "fake-a", "unhealthy"));
    CHECK(readyz(gateway.port()) == 503);
  }
}
