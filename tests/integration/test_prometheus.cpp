// The real Prometheus against the real gateway: the shipped scrape config
// (pointed at the test gateway, 1 s interval) and recording rules load, the
// counters scraped after known traffic give the exact token totals and share
// by origin; and promtool accepts a live /metrics scrape after mixed traffic.
// Without the binaries the tests are skipped, or fail when CI is set.
#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <thread>

#include "tests/integration/accounting_support.hpp"
#include "tests/integration/stack.hpp"

using namespace itest;
using namespace itest::acct;
namespace json = boost::json;

namespace {

constexpr TokenUsage kCnUsage{31, 12};
constexpr TokenUsage kUsUsage{8, 40};
constexpr TokenUsage kFrUsage{17, 5};
const char* const kCnPrice[] = {"0.07", "0.28"};
const char* const kUsPrice[] = {"2.5", "10"};
const char* const kFrPrice[] = {"0.4", "2"};

// The tool, or nullopt after reporting why the test does not run.
std::optional<std::string> require_tool(const std::string& name, const std::string& package) {
  auto path = find_on_path(name);
  if (path) return path;
  if (under_ci()) {
    FAIL(name << " is not on PATH but CI is set: install the Debian package " << package
              << " (the setup script does this for tests)");
  }
  MESSAGE(name << " not on PATH; skipped (install the Debian package " << package << ")");
  return std::nullopt;
}

// Three origins on three fakes: CN local (OpenAI wire), US remote (Anthropic
// wire), FR remote (OpenAI wire); no keys.
struct ThreeOrigins {
  FakeUpstream cn{openai_handler({.pieces = {"a", "b"}, .usage = kCnUsage})};
  FakeUpstream us{anthropic_handler({.pieces = {"c", "d"}, .usage = kUsUsage})};
  FakeUpstream fr{openai_handler({.pieces = {"e", "f"}, .usage = kFrUsage})};
  FakeUpstream broken{[](const RecordedRequest&) {
    return Response::json(openai_error("down", "server_error", "internal"), 503);
  }};
  GatewayProcess gateway{config()};

  std::string config() const {
    ConfigSpec spec;
    spec.providers = {provider("cn-local", "openai", cn, "local", "on-prem"),
                      provider("us-remote", "anthropic", us, "remote", "US"),
                      provider("fr-remote", "openai", fr, "remote", "FR"),
                      provider("broken", "openai", broken, "remote", "US")};
    spec.models = {
        model("qwen/qwen-p", "qwen", "CN", "open", {endpoint("cn-local", "qwen-up", kCnPrice)}),
        model("anthropic/claude-p", "claude", "US", "closed",
              {endpoint("us-remote", "claude-up", kUsPrice)}),
        model("mistral/mistral-p", "mistral", "FR", "open",
              {endpoint("fr-remote", "mistral-up", kFrPrice)}),
        model("openai/gpt-broken", "gpt", "US", "closed",
              {endpoint("broken", "gpt-up", kUsPrice)})};
    return render_config(spec);
  }

  // n requests for `model_id`, every other one streamed (with usage).
  void send(const std::string& model_id, int n, int expect_status = 200) {
    TestClient client(gateway.port());
    for (int i = 0; i < n; ++i) {
      if (i % 2 == 0) {
        REQUIRE(client.post("/v1/chat/completions", chat_body(model_id)).status == expect_status);
        continue;
      }
      client.send_request("POST", "/v1/chat/completions", chat_body(model_id, true, true));
      auto head = client.read_response_head();
      REQUIRE(head.status == expect_status);
      while (client.next_event()) {
      }
      REQUIRE(client.body_complete());
    }
  }
};

std::int64_t tokens(TokenUsage usage, int n) {
  return static_cast<std::int64_t>(n) * (usage.prompt + usage.completion);
}

std::int64_t picousd(TokenUsage usage, const char* const price[2], int n) {
  return n * (usage.prompt * picousd_per_token(price[0]) +
              usage.completion * picousd_per_token(price[1]));
}

// An instant query; the result as label value -> sample value. Empty on any
// failure (Prometheus not ready, query error: `error` says which).
std::map<std::string, double> query(std::uint16_t port, const std::string& promql,
                                    const std::string& label, std::string* error = nullptr) {
  std::map<std::string, double> out;
  auto res = try_get(port, "/api/v1/query?query=" + url_encode(promql));
  if (!res || res->status != 200) {
    if (error) *error = res ? res->body : "no answer";
    return out;
  }
  json::object body = json::parse(res->body).as_object();
  if (body.at("status") != "success") {
    if (error) *error = res->body;
    return out;
  }
  for (const auto& item : body.at("data").at("result").as_array()) {
    const auto& metric = item.at("metric").as_object();
    std::string key = metric.contains(label) ? std::string(metric.at(label).as_string()) : "";
    out[key] = std::stod(std::string(item.at("value").as_array().at(1).as_string()));
  }
  return out;
}

// The shipped scrape config, pointed at `target` and made fast. The rules
// file is copied beside it, so the shipped relative rule_files entry is used.
std::string prometheus_config(const TempDir& dir, const std::string& target) {
  const std::filesystem::path deploy =
      std::filesystem::path(SWITCHYARD_SOURCE_DIR) / "deploy" / "prometheus";
  YAML::Node config = YAML::LoadFile((deploy / "prometheus.yml").string());
  config["global"]["scrape_interval"] = "1s";
  config["global"]["evaluation_interval"] = "1s";
  REQUIRE(config["rule_files"].size() == 2);  // recording rules and alerts
  REQUIRE(config["scrape_configs"].size() == 1);
  YAML::Node job = config["scrape_configs"][0];
  CHECK(job["job_name"].as<std::string>() == "switchyard");
  CHECK(job["metrics_path"].as<std::string>() == "/metrics");
  job["scrape_interval"] = "1s";
  job["scrape_timeout"] = "1s";
  job["static_configs"][0]["targets"][0] = target;
  const std::string rules = config["rule_files"][0].as<std::string>();
  std::filesystem::copy_file(deploy / "switchyard_rules.yml", dir.file(rules));
  YAML::Emitter out;
  out << config;
  return dir.write("prometheus.yml", out.c_str());
}

}  // namespace

TEST_SUITE("prometheus") {
  TEST_CASE("a real Prometheus scrape gives exact token totals and shares by origin") {
    auto prometheus = require_tool("prometheus", "prometheus");
    if (!prometheus) return;

    ThreeOrigins world;
    world.send("qwen/qwen-p", 5);
    world.send("anthropic/claude-p", 2);
    world.send("mistral/mistral-p", 3);
    world.send("openai/gpt-broken", 1, 502);  // counted as a US request with no tokens
    const std::map<std::string, double> expected_tokens = {
        {"CN", static_cast<double>(tokens(kCnUsage, 5))},
        {"US", static_cast<double>(tokens(kUsUsage, 2))},
        {"FR", static_cast<double>(tokens(kFrUsage, 3))}};
    const double total_tokens =
        expected_tokens.at("CN") + expected_tokens.at("US") + expected_tokens.at("FR");
    const std::map<std::string, std::int64_t> expected_cost = {
        {"CN", picousd(kCnUsage, kCnPrice, 5)},
        {"US", picousd(kUsUsage, kUsPrice, 2)},
        {"FR", picousd(kFrUsage, kFrPrice, 3)}};

    TempDir dir;
    const std::uint16_t port = closed_port();
    const std::string config =
        prometheus_config(dir, "127.0.0.1:" + std::to_string(world.gateway.port()));
    ChildProcess server(
        {*prometheus, "--config.file=" + config, "--storage.tsdb.path=" + dir.file("data"),
         "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn"},
        dir.file("prometheus.log"));
    INFO("prometheus log:\n" << read_file(dir.file("prometheus.log")));

    const std::string tokens_by_origin =
        "sum by (origin) (switchyard_prompt_tokens_total + switchyard_completion_tokens_total)";
    std::map<std::string, double> seen;
    std::string error;
    // Poll the API (not too often) until the scraped totals are complete.
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline && server.running()) {
      seen = query(port, tokens_by_origin, "origin", &error);
      if (seen == expected_tokens) break;
      std::this_thread::sleep_for(250ms);
    }
    INFO("last query error: " << error);
    REQUIRE(server.running());
    CHECK(seen == expected_tokens);

    // Token share by origin as a PromQL ratio of the counters (the shipped
    // recording rules are rates over windows; a single burst has no rate).
    auto share = query(port,
                       tokens_by_origin + " / ignoring (origin) group_left () sum(" +
                           "switchyard_prompt_tokens_total + switchyard_completion_tokens_total)",
                       "origin", &error);
    CHECK(share.size() == 3);
    for (const auto& [origin_key, value] : expected_tokens) {
      const std::string& origin = origin_key;  // clang 14: INFO cannot capture a binding
      INFO("origin " << origin);
      CHECK(std::abs(share[origin] - value / total_tokens) < 1e-12);
    }
    // Request share includes the failed US request; spend is exact per origin.
    auto requests = query(port,
                          "sum by (origin) (switchyard_requests_total) / ignoring (origin) "
                          "group_left () sum(switchyard_requests_total)",
                          "origin", &error);
    CHECK(std::abs(requests["CN"] - 5.0 / 11) < 1e-12);
    CHECK(std::abs(requests["US"] - 3.0 / 11) < 1e-12);
    CHECK(std::abs(requests["FR"] - 3.0 / 11) < 1e-12);
    auto spend = query(port, "sum by (origin) (switchyard_cost_usd_total)", "origin", &error);
    for (const auto& [origin_key, picos] : expected_cost) {
      const std::string& origin = origin_key;
      INFO("origin " << origin);
      CHECK(std::abs(spend[origin] - static_cast<double>(picos) / 1e12) < 1e-12);
    }

    // The shipped recording rules loaded, all three windows, none broken.
    auto rules = try_get(port, "/api/v1/rules?type=record");
    REQUIRE(rules.has_value());
    REQUIRE(rules->status == 200);
    std::set<std::string> groups;
    std::size_t rule_count = 0;
    const json::value rules_body = json::parse(rules->body);
    for (const auto& group : rules_body.at("data").at("groups").as_array()) {
      groups.insert(std::string(group.at("name").as_string()));
      for (const auto& rule : group.at("rules").as_array()) {
        ++rule_count;
        INFO("rule " << str(rule.at("name")));
        CHECK(rule.at("health") != "err");
      }
    }
    CHECK(groups == std::set<std::string>{"switchyard_share_5m", "switchyard_share_1h",
                                          "switchyard_share_1d"});
    CHECK(rule_count == 30);

    server.stop();
    CHECK_FALSE(server.running());
  }

  TEST_CASE("promtool check metrics accepts a live scrape after mixed traffic") {
    auto promtool = require_tool("promtool", "prometheus");
    if (!promtool) return;
    ThreeOrigins world;
    world.send("qwen/qwen-p", 2);
    world.send("anthropic/claude-p", 2);
    world.send("mistral/mistral-p", 1);
    world.send("openai/gpt-broken", 1, 502);
    TestClient client(world.gateway.port());
    CHECK(client.post("/v1/chat/completions", "{not json").status == 400);
    CHECK(client.post("/v1/chat/completions", chat_body("nobody/unknown")).status == 404);

    auto metrics = client.get("/metrics");
    REQUIRE(metrics.status == 200);
    CHECK(metrics.body.find("switchyard_cost_usd_total{") != std::string::npos);
    // The per-endpoint state family rides along the registry's output.
    CHECK(metrics.body.find("# TYPE switchyard_endpoint_state gauge\n") != std::string::npos);
    CHECK(metrics.body.find("switchyard_endpoint_state{provider=") != std::string::npos);
    TempDir dir;
    const std::string path = dir.write("metrics.prom", metrics.body);
    CommandResult result = run_command({*promtool, "check", "metrics"}, path);
    INFO("promtool: " << result.output);
    CHECK(result.exit_code == 0);
    CHECK(result.output.empty());
  }
}
