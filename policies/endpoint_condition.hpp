#pragma once
// One word for how an endpoint is doing right now, shared by /v1/models,
// /readyz and the switchyard_endpoint_state gauge so they never disagree.
// When several apply, the most lasting one wins: disabled (no key, turned
// off) over unhealthy (health check failing, or the server does not list the
// model) over cooling_down (a Retry-After) over circuit_open (the breaker is
// open or half-open, waiting for one probe to succeed) over healthy.
#include <array>
#include <string_view>

#include "config/snapshot.hpp"
#include "policies/endpoint_state.hpp"

namespace switchyard::policies {

enum class EndpointCondition { healthy, circuit_open, cooling_down, unhealthy, disabled };

inline constexpr std::array<EndpointCondition, 5> kEndpointConditions = {
    EndpointCondition::healthy, EndpointCondition::circuit_open, EndpointCondition::cooling_down,
    EndpointCondition::unhealthy, EndpointCondition::disabled};

std::string_view to_string(EndpointCondition condition);

// Without a state (an endpoint the table does not know yet) it is healthy
// unless its provider is disabled.
EndpointCondition endpoint_condition(const config::EndpointRef& ref, const EndpointState* state,
                                     Clock::time_point now);

// Why it is not healthy, for people: the provider's disabled reason, the
// health reason, the circuit or the cooldown. Empty when healthy.
std::string condition_reason(const config::EndpointRef& ref, const EndpointState* state,
                             EndpointCondition condition);

}  // namespace switchyard::policies
