// switchyard_endpoint_state: five series per endpoint, exactly one of them 1.
#include <doctest/doctest.h>

#include "gateway/accounting/endpoint_state_metrics.hpp"

using namespace switchyard;
using namespace switchyard::policies;

TEST_SUITE("endpoint state gauge") {
  TEST_CASE("one series per state, 1 for the current one, label values escaped") {
    config::Config cfg;
    config::Model model;
    model.id = "org/odd\"name";
    for (std::size_t i = 0; i < 2; ++i) {
      config::Provider provider;
      provider.name = i == 0 ? "local" : "remote";
      provider.enabled = i == 0;
      cfg.providers.push_back(provider);
      config::Endpoint endpoint;
      endpoint.provider = provider.name;
      endpoint.provider_index = i;
      model.endpoints.push_back(endpoint);
    }
    cfg.models = {model};
    auto snapshot = config::Snapshot::build(cfg);
    EndpointTable table;
    table.adopt(*snapshot);
    table.find("org/odd\"name@local")
        ->set_health(Health::unhealthy, HealthReason::model_not_listed);

    std::string text = render_endpoint_states(*snapshot, table, Clock::now());
    CHECK(text.starts_with("# HELP switchyard_endpoint_state "));
    CHECK(text.find("# TYPE switchyard_endpoint_state gauge\n") != std::string::npos);
    const std::string local =
        R"(switchyard_endpoint_state{provider="local",model="org/odd\"name",)";
    CHECK(text.find(local + R"(state="unhealthy"} 1)") != std::string::npos);
    CHECK(text.find(local + R"(state="healthy"} 0)") != std::string::npos);
    const std::string remote =
        R"(switchyard_endpoint_state{provider="remote",model="org/odd\"name",)";
    CHECK(text.find(remote + R"(state="disabled"} 1)") != std::string::npos);
    std::size_t series = 0;
    std::size_t ones = 0;
    for (std::size_t at = text.find("\nswitchyard_endpoint_state{"); at != std::string::npos;
         at = text.find("\nswitchyard_endpoint_state{", at + 1)) {
      ++series;
      ones += text.compare(text.find('\n', at + 1) - 2, 2, " 1") == 0 ? 1 : 0;
    }
    CHECK(series == 10);
    CHECK(ones == 2);
  }
}
