// One state word per endpoint, the most lasting one first.
#include <doctest/doctest.h>

#include "policies/endpoint_condition.hpp"

using namespace switchyard;
using namespace switchyard::policies;

TEST_SUITE("endpoint condition") {
  TEST_CASE("disabled > unhealthy > cooling_down > circuit_open > healthy") {
    config::Model model;
    model.id = "m";
    config::Endpoint endpoint;
    config::Provider provider;
    provider.name = "p";
    config::EndpointRef ref{&model, &endpoint, &provider};
    EndpointState state;
    auto now = Clock::now();
    CHECK(endpoint_condition(ref, nullptr, now) == EndpointCondition::healthy);
    CHECK(endpoint_condition(ref, &state, now) == EndpointCondition::healthy);
    CHECK(condition_reason(ref, &state, EndpointCondition::healthy).empty());

    state.record_failure(now, 1, std::chrono::seconds(30));
    CHECK(endpoint_condition(ref, &state, now) == EndpointCondition::circuit_open);
    state.cool_down_until(now + std::chrono::seconds(10));
    CHECK(endpoint_condition(ref, &state, now) == EndpointCondition::cooling_down);
    CHECK(state.set_health(Health::unhealthy, HealthReason::model_not_listed));
    CHECK_FALSE(state.set_health(Health::unhealthy, HealthReason::model_not_listed));
    CHECK(endpoint_condition(ref, &state, now) == EndpointCondition::unhealthy);
    CHECK(condition_reason(ref, &state, EndpointCondition::unhealthy) ==
          "model not listed by server");
    CHECK(state.set_health(Health::unhealthy));  // another reason is a change
    CHECK(state.health_reason() == HealthReason::check_failed);
    provider.enabled = false;
    provider.disabled_reason = "environment variable K is not set";
    CHECK(endpoint_condition(ref, &state, now) == EndpointCondition::disabled);
    CHECK(condition_reason(ref, &state, EndpointCondition::disabled) ==
          "environment variable K is not set");

    CHECK(state.set_health(Health::healthy));
    CHECK(state.health_reason() == HealthReason::none);
    std::string names;
    for (EndpointCondition condition : kEndpointConditions) {
      names.append(to_string(condition)).append(" ");
    }
    CHECK(names == "healthy circuit_open cooling_down unhealthy disabled ");
  }
}
