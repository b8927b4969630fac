// The endpoint table: live state by endpoint key, carried across reloads.
#include <doctest/doctest.h>

#include "policies/endpoint_table.hpp"

using namespace switchyard;
using namespace switchyard::policies;

namespace {

config::Config catalog(std::vector<std::string> providers) {
  config::Config cfg;
  config::Model model;
  model.id = "deepseek/deepseek-r1";
  for (std::size_t i = 0; i < providers.size(); ++i) {
    config::Provider provider;
    provider.name = providers[i];
    cfg.providers.push_back(provider);
    config::Endpoint endpoint;
    endpoint.provider = providers[i];
    endpoint.provider_index = i;
    model.endpoints.push_back(endpoint);
  }
  cfg.models = {model};
  return cfg;
}

}  // namespace

TEST_SUITE("endpoint table") {
  TEST_CASE("every endpoint of a snapshot has a state; unknown keys have none") {
    auto snapshot = config::Snapshot::build(catalog({"deepseek", "local"}));
    EndpointTable table;
    CHECK(table.find("deepseek/deepseek-r1@deepseek") == nullptr);
    table.adopt(*snapshot);
    CHECK(table.size() == 2);
    for (const auto& ref : snapshot->endpoints()) CHECK(table.find(ref) != nullptr);
    CHECK(table.find("deepseek/deepseek-r1@nowhere") == nullptr);
  }

  TEST_CASE("a reload keeps the state of endpoints that still exist, and only theirs") {
    auto before = config::Snapshot::build(catalog({"deepseek", "local", "together"}));
    EndpointTable table;
    table.adopt(*before);
    EndpointState* kept = table.find("deepseek/deepseek-r1@local");
    REQUIRE(kept != nullptr);
    kept->record_success(120, 30);
    kept->set_health(Health::healthy);
    table.find("deepseek/deepseek-r1@together")->record_success(50, 10);

    auto after = config::Snapshot::build(catalog({"local", "fireworks"}));
    table.adopt(*after);
    CHECK(table.size() == 2);
    CHECK(table.find("deepseek/deepseek-r1@local") == kept);
    CHECK(kept->stats().samples == 1);
    CHECK(kept->health() == Health::healthy);
    CHECK(table.find("deepseek/deepseek-r1@together") == nullptr);
    CHECK(table.find("deepseek/deepseek-r1@deepseek") == nullptr);
    REQUIRE(table.find("deepseek/deepseek-r1@fireworks") != nullptr);
    CHECK(table.find("deepseek/deepseek-r1@fireworks")->stats().samples == 0);

    // An endpoint that comes back after being removed starts afresh.
    table.adopt(*before);
    CHECK(table.find("deepseek/deepseek-r1@together")->stats().samples == 0);
    CHECK(table.find("deepseek/deepseek-r1@local") == kept);
  }

  TEST_CASE("a health verdict marks every endpoint of that provider only") {
    config::Config cfg = catalog({"local", "deepseek"});
    config::Model second = cfg.models[0];
    second.id = "qwen/qwen3-32b";
    cfg.models.push_back(second);
    auto snapshot = config::Snapshot::build(cfg);
    EndpointTable table;
    table.adopt(*snapshot);
    table.set_provider_health(*snapshot, "local", Health::unhealthy);
    CHECK(table.find("deepseek/deepseek-r1@local")->health() == Health::unhealthy);
    CHECK(table.find("qwen/qwen3-32b@local")->health() == Health::unhealthy);
    CHECK(table.find("deepseek/deepseek-r1@deepseek")->health() == Health::unknown);
  }
}
