// The names clients send, through the real gateway: a wildcard entry passes
// the name upstream and records the requested id, its provenance comes from
// the provider's model_defaults and says so, and metric labels stay the
// wildcard's id; --check names an alias that collides with another model.
#include "gateway/accounting/usage_record.hpp"
#include "tests/integration/accounting_support.hpp"
#include "tests/integration/prom_text.hpp"
#include "tests/integration/stack.hpp"

using namespace itest;
namespace json = boost::json;

namespace {

// The standard config, its provider with model_defaults, plus a wildcard
// entry "fake/*" on it (models: is the last section rendered).
std::string wildcard_config(const FakeUpstream& upstream) {
  ConfigSpec spec = basic_spec(upstream.base_url());
  spec.providers[0].extra_yaml =
      "    model_defaults: { family: qwen, author: Alibaba Qwen, origin: CN, weights: open,\n"
      "                      license: Apache-2.0 }\n";
  return render_config(spec) + "  - { id: fake/*, endpoints: [ { provider: fake-a } ] }\n";
}

const json::object* listed_model(const json::value& list, std::string_view id) {
  for (const auto& entry : list.at("data").as_array()) {
    if (entry.at("id").as_string() == id) return &entry.as_object();
  }
  return nullptr;
}

}  // namespace

TEST_SUITE("model names") {
  TEST_CASE(
      "a wildcard entry serves PREFIX/NAME as upstream model NAME, labelled by the wildcard") {
    FakeUpstream upstream(openai_handler());
    GatewayProcess gateway(wildcard_config(upstream));
    TestClient client(gateway.port(), 10s);

    auto res = client.post("/v1/chat/completions", chat_body("fake/qwen2.5:7b"));
    INFO("body: " << res.body);
    REQUIRE(res.status == 200);
    CHECK(upstream.last_request()->json().at("model") == "qwen2.5:7b");
    CHECK(res.header("x-switchyard-model") == "fake/qwen2.5:7b");

    auto route = client.post("/v1/route", chat_body("fake/llama3.1:8b"));
    CHECK(route.status == 200);
    CHECK(route.body.find("\"fake/llama3.1:8b\"") != std::string::npos);
    CHECK(route.body.find("\"upstream_model\":\"llama3.1:8b\"") != std::string::npos);

    auto models = client.get("/v1/models").json();
    const json::object* wildcard = listed_model(models, "fake/*");
    REQUIRE(wildcard != nullptr);
    CHECK(wildcard->at("provenance_source") == "provider_default");
    CHECK(wildcard->at("origin") == "CN");
    const json::object* stated = listed_model(models, "test/alpha");
    REQUIRE(stated != nullptr);
    CHECK(stated->at("provenance_source") == "model");

    const std::string log_path = gateway.usage_log_path();
    REQUIRE(wait_until([&] { return acct::read_usage_log(log_path).records.size() >= 1; }, 10s));
    switchyard::UsageRecord record = acct::read_usage_log(log_path).records.at(0);
    CHECK(record.requested_model == "fake/qwen2.5:7b");
    CHECK(record.served_model == "fake/qwen2.5:7b");
    CHECK(record.upstream_model == "qwen2.5:7b");
    CHECK(record.wildcard == "fake/*");
    CHECK(record.provenance_source == "provider_default");
    CHECK(record.origin == "CN");
    CHECK(record.family == "qwen");

    auto metrics = client.get("/metrics");
    REQUIRE(metrics.status == 200);
    CHECK(metric_sum(metrics.body, "switchyard_requests_total", {{"model", "fake/*"}}).sum == 1);
    CHECK(metric_sum(metrics.body, "switchyard_requests_total", {{"model", "fake/qwen2.5:7b"}})
              .samples == 0);
  }

  TEST_CASE("--check names an alias that collides with another model's id or alias") {
    TempDir dir;
    ConfigSpec spec = basic_spec("http://127.0.0.1:9/v1");
    spec.usage_log = dir.file("usage.jsonl");
    std::string yaml =
        render_config(spec) +
        "  - { id: test/beta, aliases: [test/alpha], family: f, author: A,\n"
        "      origin: US, weights: open, license: MIT,\n"
        "      endpoints: [ { provider: fake-a, price: { prompt: 1, completion: 1 } } ] }\n";
    auto path = dir.write("aliases.yaml", yaml);
    auto run = run_binary({"--config", path, "--check"}, {{kProviderKeyEnv, kProviderKey}});
    INFO(run.all());
    CHECK(run.exit_code != 0);
    CHECK(run.all().find("models[1].aliases[0]: alias \"test/alpha\" already names a model") !=
          std::string::npos);
  }
}
