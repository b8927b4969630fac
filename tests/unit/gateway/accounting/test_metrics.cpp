#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "gateway/accounting/metrics.hpp"
#include "gateway/accounting/usage_record.hpp"

#ifndef SWITCHYARD_SOURCE_DIR
#define SWITCHYARD_SOURCE_DIR "."
#endif

using namespace switchyard;

namespace {

using LabelMatch = std::vector<std::pair<std::string, std::string>>;

// Sums the samples of `name` whose labels include every pair in `labels`, so a
// test can ask for one exact series or an aggregate. nullopt when none match.
std::optional<double> sample(const std::string& text, const std::string& name,
                             const LabelMatch& labels = {}) {
  std::istringstream lines(text);
  std::string line;
  std::optional<double> total;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto name_end = line.find_first_of("{ ");
    if (line.compare(0, name_end, name) != 0 || name_end != name.size()) continue;
    bool matches = true;
    for (const auto& [label, value] : labels)
      if (line.find(label + "=\"" + value + "\"") == std::string::npos) matches = false;
    if (!matches) continue;
    total = total.value_or(0) + std::stod(line.substr(line.rfind(' ') + 1));
  }
  return total;
}

UsageRecord cn_record() {
  UsageRecord record;
  record.request_id = "req-123";
  record.key_name = "secret-key-name";
  record.requested_model = "deepseek-r1-please";
  record.served_model = "deepseek/deepseek-r1";
  record.provider = "deepseek";
  record.family = "deepseek";
  record.origin = "CN";
  record.weights = "open";
  record.hosting = "remote";
  record.prompt_tokens = 1000;
  record.completion_tokens = 2000;
  record.cached_prompt_tokens = 100;
  record.cost = 5'500'000;
  record.ttft_ms = 300;
  record.duration_ms = 1500;
  record.upstream_wait_ms = 1490;
  AttemptRecord attempt;
  attempt.provider = "deepseek";
  attempt.model = record.served_model;
  attempt.outcome = "ok";
  record.attempts.push_back(attempt);
  return record;
}

UsageRecord us_record_after_fallback() {
  UsageRecord record = cn_record();
  record.request_id = "req-456";
  record.served_model = "openai/gpt-4o";
  record.provider = "openai";
  record.family = "gpt";
  record.origin = "US";
  record.weights = "closed";
  record.cost = 7;
  record.ttft_ms = -1;  // no token reached the client
  record.usage_estimated = true;
  AttemptRecord failed;
  failed.provider = "local-vllm";
  failed.outcome = "timeout";
  AttemptRecord ok;
  ok.provider = "openai";
  ok.outcome = "ok";
  record.attempts = {failed, ok};
  return record;
}

UsageRecord denied_record() {
  UsageRecord record;
  record.request_id = "req-789";
  record.denied_by = "no-cn-remote";
  record.outcome = "denied";
  record.status = 403;
  record.duration_ms = 2;
  return record;
}

bool have_promtool() {
  return std::system("command -v promtool >/dev/null 2>&1") == 0;
}

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

// Runs a shell command with stdout and stderr captured into one string.
CommandResult run(const std::string& command) {
  const auto out_path = std::filesystem::temp_directory_path() /
                        ("switchyard-promtool-" + std::to_string(::getpid()) + ".out");
  CommandResult result;
  const int status = std::system((command + " >" + out_path.string() + " 2>&1").c_str());
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(out_path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  result.output = buffer.str();
  std::filesystem::remove(out_path);
  return result;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

TEST_CASE("metrics: counters after a known batch") {
  Metrics metrics;
  for (int i = 0; i < 3; ++i) metrics.observe(cn_record());
  metrics.observe(us_record_after_fallback());
  metrics.observe(denied_record());
  const std::string text = metrics.render();

  const LabelMatch cn = {{"origin", "CN"},         {"family", "deepseek"},
                         {"weights", "open"},      {"hosting", "remote"},
                         {"provider", "deepseek"}, {"model", "deepseek/deepseek-r1"},
                         {"outcome", "ok"}};
  CHECK(sample(text, "switchyard_requests_total", cn) == 3.0);
  CHECK(sample(text, "switchyard_prompt_tokens_total", cn) == 3000.0);
  CHECK(sample(text, "switchyard_completion_tokens_total", cn) == 6000.0);
  CHECK(sample(text, "switchyard_cached_prompt_tokens_total", cn) == 300.0);
  CHECK(sample(text, "switchyard_requests_total", {{"origin", "US"}}) == 1.0);
  CHECK(sample(text, "switchyard_requests_total") == 5.0);

  // The denied request reached no endpoint: provider "none", model "none".
  CHECK(sample(text, "switchyard_requests_total",
               {{"provider", "none"}, {"model", "none"}, {"outcome", "denied"}}) == 1.0);
  CHECK(sample(text, "switchyard_policy_denials_total", {{"policy", "no-cn-remote"}}) == 1.0);

  // One fallback away from the timed-out local attempt; one upstream error.
  CHECK(sample(text, "switchyard_fallbacks_total", {{"provider", "local-vllm"}}) == 1.0);
  CHECK(sample(text, "switchyard_fallbacks_total") == 1.0);
  CHECK(sample(text, "switchyard_upstream_errors_total",
               {{"provider", "local-vllm"}, {"kind", "timeout"}}) == 1.0);
  CHECK(sample(text, "switchyard_upstream_errors_total") == 1.0);
  CHECK(sample(text, "switchyard_usage_estimated_total", {{"provider", "openai"}}) == 1.0);
  CHECK_FALSE(sample(text, "switchyard_usage_estimated_total", {{"provider", "deepseek"}}));

  CHECK(text.find("# TYPE switchyard_cost_usd_total counter\n") != std::string::npos);
  CHECK(text.find("# TYPE switchyard_requests_total counter\n") != std::string::npos);
  CHECK(text.find("# TYPE switchyard_request_duration_seconds histogram\n") != std::string::npos);
}

TEST_CASE("metrics: cost is the exact picodollar sum, converted at scrape") {
  Metrics metrics;
  for (int i = 0; i < 3; ++i) metrics.observe(cn_record());
  const auto cost = sample(metrics.render(), "switchyard_cost_usd_total", {{"origin", "CN"}});
  REQUIRE(cost);
  CHECK(*cost == doctest::Approx(1.65e-05).epsilon(1e-12));

  // A hundred thousand 1-picodollar requests: summed as doubles this drifts, as integers
  // it is exactly 1e-7 USD.
  Metrics many;
  UsageRecord tiny = cn_record();
  tiny.cost = 1;
  for (int i = 0; i < 100'000; ++i) many.observe(tiny);
  const auto tiny_cost = sample(many.render(), "switchyard_cost_usd_total");
  REQUIRE(tiny_cost);
  CHECK(*tiny_cost == 1e-7);
}

TEST_CASE("metrics: concurrent observe and render lose nothing") {
  Metrics metrics;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&metrics, t] {
      UsageRecord record = t % 2 == 0 ? cn_record() : us_record_after_fallback();
      record.cost = 5'500'000;
      for (int i = 0; i < 500; ++i) {
        metrics.observe(record);
        if (i % 100 == 0) (void)metrics.render();  // scrapes race with updates
      }
    });
  for (auto& thread : threads) thread.join();
  const std::string text = metrics.render();
  CHECK(sample(text, "switchyard_requests_total") == 2000.0);
  CHECK(sample(text, "switchyard_fallbacks_total") == 1000.0);
  const auto cost = sample(text, "switchyard_cost_usd_total");
  REQUIRE(cost);
  CHECK(*cost == doctest::Approx(2000 * 5.5e-6).epsilon(1e-12));
}

TEST_CASE("metrics: histograms have bounded labels and skip absent TTFT") {
  Metrics metrics;
  metrics.observe(cn_record());
  metrics.observe(us_record_after_fallback());
  const std::string text = metrics.render();

  CHECK(sample(text, "switchyard_request_duration_seconds_count") == 2.0);
  CHECK(sample(text, "switchyard_request_duration_seconds_sum", {{"origin", "CN"}}) ==
        doctest::Approx(1.5));
  // The US record had no first token, so only the CN one is observed.
  CHECK(sample(text, "switchyard_time_to_first_token_seconds_count") == 1.0);
  CHECK(sample(text, "switchyard_time_to_first_token_seconds_sum") == doctest::Approx(0.3));
  CHECK(sample(text, "switchyard_gateway_overhead_seconds_sum", {{"origin", "CN"}}) ==
        doctest::Approx(0.010));
  CHECK(sample(text, "switchyard_request_duration_seconds_bucket",
               {{"origin", "CN"}, {"le", "2.5"}}) == 1.0);
  CHECK(sample(text, "switchyard_request_duration_seconds_bucket",
               {{"origin", "CN"}, {"le", "1"}}) == 0.0);

  // No model or outcome label on histograms: they would multiply the series.
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("switchyard_request_duration_seconds", 0) != 0) continue;
    CHECK(line.find("model=") == std::string::npos);
    CHECK(line.find("outcome=") == std::string::npos);
  }
}

TEST_CASE("metrics: no request id, key name or requested model in the output") {
  Metrics metrics;
  metrics.observe(cn_record());
  metrics.observe(denied_record());
  const std::string text = metrics.render();
  CHECK(text.find("req-123") == std::string::npos);
  CHECK(text.find("req-789") == std::string::npos);
  CHECK(text.find("secret-key-name") == std::string::npos);
  CHECK(text.find("deepseek-r1-please") == std::string::npos);
  CHECK(text.find("key_name") == std::string::npos);
}

TEST_CASE("metrics: connection, endpoint and reload gauges") {
  Metrics metrics;
  metrics.connection_opened();
  metrics.connection_opened();
  metrics.connection_closed();
  metrics.connection_rejected();
  metrics.set_endpoint_up("local-vllm", true);
  metrics.set_endpoint_up("ollama", true);
  metrics.set_endpoint_up("ollama", false);
  metrics.config_reloaded(true);
  metrics.config_reloaded(true);
  const std::string text = metrics.render();
  CHECK(sample(text, "switchyard_open_connections") == 1.0);
  CHECK(sample(text, "switchyard_connections_rejected_total") == 1.0);
  CHECK(sample(text, "switchyard_endpoint_up", {{"provider", "local-vllm"}}) == 1.0);
  CHECK(sample(text, "switchyard_endpoint_up", {{"provider", "ollama"}}) == 0.0);
  CHECK(sample(text, "switchyard_config_reloads_total", {{"result", "ok"}}) == 2.0);
  CHECK(sample(text, "switchyard_config_reloads_total", {{"result", "error"}}) == 0.0);
  // Families without samples are left out, like prometheus-cpp's own.
  CHECK(text.find("switchyard_cost_usd_total") == std::string::npos);
}

TEST_CASE("metrics: promtool check metrics accepts the exposition") {
  if (!have_promtool()) {
    MESSAGE("promtool not on PATH; skipped");
    return;
  }
  for (bool with_traffic : {false, true}) {
    Metrics metrics;
    if (with_traffic) {
      metrics.observe(cn_record());
      metrics.observe(us_record_after_fallback());
      metrics.observe(denied_record());
      metrics.connection_opened();
      metrics.set_endpoint_up("deepseek", true);
    }
    const auto path = std::filesystem::temp_directory_path() /
                      ("switchyard-metrics-" + std::to_string(::getpid()) + ".prom");
    std::ofstream(path) << metrics.render();
    const CommandResult result = run("promtool check metrics < " + path.string());
    std::filesystem::remove(path);
    CAPTURE(with_traffic);
    CHECK(result.exit_code == 0);
    CHECK(result.output == "");
  }
}

TEST_CASE("deploy: prometheus config and recording rules pass promtool") {
  if (!have_promtool()) {
    MESSAGE("promtool not on PATH; skipped");
    return;
  }
  const std::filesystem::path dir = std::filesystem::path(SWITCHYARD_SOURCE_DIR) / "deploy";
  const auto rules =
      run("promtool check rules " + (dir / "prometheus/switchyard_rules.yml").string());
  CAPTURE(rules.output);
  CHECK(rules.exit_code == 0);
  const auto alerts =
      run("promtool check rules " + (dir / "prometheus/switchyard_alerts.yml").string());
  CAPTURE(alerts.output);
  CHECK(alerts.exit_code == 0);
  // check config also loads rule_files, relative to the config file.
  const auto config = run("promtool check config " + (dir / "prometheus/prometheus.yml").string());
  CAPTURE(config.output);
  CHECK(config.exit_code == 0);
  CHECK(config.output.find("SUCCESS: 2 rule files found") != std::string::npos);
  // The rules' unit tests feed known counters and expect exact shares.
  const auto rule_tests =
      run("promtool test rules " + (dir / "prometheus/switchyard_rules_test.yml").string());
  CAPTURE(rule_tests.output);
  CHECK(rule_tests.exit_code == 0);
}

// The PromQL of every dashboard target, with Grafana's variables replaced by
// one of their values.
static std::vector<std::string> dashboard_queries(const boost::json::value& dashboard) {
  std::vector<std::string> queries;
  for (const auto& panel : dashboard.at("panels").as_array()) {
    const auto* targets = panel.as_object().if_contains("targets");
    if (!targets) continue;
    for (const auto& target : targets->as_array()) {
      std::string expr(target.at("expr").as_string());
      for (const auto& [variable, value] : std::vector<std::pair<std::string, std::string>>{
               {"$__rate_interval", "5m"}, {"${metric}", "tokens"}, {"${window}", "1h"}})
        for (auto at = expr.find(variable); at != std::string::npos; at = expr.find(variable))
          expr.replace(at, variable.size(), value);
      queries.push_back(expr);
    }
  }
  return queries;
}

TEST_CASE("deploy: every dashboard query is valid PromQL over metrics we export") {
  const std::filesystem::path dir = std::filesystem::path(SWITCHYARD_SOURCE_DIR) / "deploy";
  const auto dashboard = boost::json::parse(read_file(dir / "grafana/switchyard-dashboard.json"));
  const auto queries = dashboard_queries(dashboard);
  REQUIRE(queries.size() >= 10);

  // Each metric a query names must be one render() emits once traffic flowed.
  Metrics metrics;
  metrics.observe(cn_record());
  metrics.observe(us_record_after_fallback());
  metrics.observe(denied_record());
  metrics.set_endpoint_up("deepseek", true);
  const std::string text = metrics.render();
  const std::regex metric_name("switchyard_[a-z_]+");
  for (const auto& query : queries) {
    for (std::sregex_iterator it(query.begin(), query.end(), metric_name), end; it != end; ++it) {
      std::string name = it->str();
      if (name.size() > 7 && name.ends_with("_bucket")) name.resize(name.size() - 7);
      CAPTURE(query);
      CHECK_MESSAGE(text.find("# TYPE " + name + " ") != std::string::npos, name);
    }
  }

  if (!have_promtool()) {
    MESSAGE("promtool not on PATH; PromQL syntax not checked");
    return;
  }
  // promtool has no offline expression checker, but it parses rule files.
  const auto path = std::filesystem::temp_directory_path() /
                    ("switchyard-dashboard-" + std::to_string(::getpid()) + ".rules.yml");
  {
    std::ofstream rules(path);
    rules << "groups:\n  - name: dashboard\n    rules:\n";
    for (std::size_t i = 0; i < queries.size(); ++i)
      rules << "      - record: dashboard:query" << i
            << "\n        expr: " << boost::json::serialize(boost::json::string(queries[i]))
            << "\n";
  }
  const auto result = run("promtool check rules " + path.string());
  std::filesystem::remove(path);
  CAPTURE(result.output);
  CHECK(result.exit_code == 0);
}

TEST_CASE("deploy: the Grafana dashboard is JSON and uses the shipped recording rules") {
  const std::filesystem::path dir = std::filesystem::path(SWITCHYARD_SOURCE_DIR) / "deploy";
  const std::string dashboard = read_file(dir / "grafana/switchyard-dashboard.json");
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(dashboard, ec);
  REQUIRE_FALSE(ec);
  const auto* panels = parsed.as_object().if_contains("panels");
  REQUIRE(panels);
  CHECK(panels->as_array().size() >= 8);

  // Every share rule the dashboard's variables can select must exist.
  const std::string rules = read_file(dir / "prometheus/switchyard_rules.yml");
  for (const char* metric : {"tokens", "requests", "spend"})
    for (const char* by : {"origin", "family", "hosting"})
      for (const char* window : {"5m", "1h", "1d"}) {
        const std::string name =
            std::string("switchyard:") + metric + "_share_by_" + by + ":ratio_rate" + window;
        CAPTURE(name);
        CHECK(rules.find("record: " + name + "\n") != std::string::npos);
      }
}
