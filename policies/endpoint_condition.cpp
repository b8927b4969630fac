#include "policies/endpoint_condition.hpp"

#include <string>

namespace switchyard::policies {

std::string_view to_string(EndpointCondition condition) {
  switch (condition) {
    case EndpointCondition::healthy:
      return "healthy";
    case EndpointCondition::circuit_open:
      return "circuit_open";
    case EndpointCondition::cooling_down:
      return "cooling_down";
    case EndpointCondition::unhealthy:
      return "unhealthy";
    case EndpointCondition::disabled:
      return "disabled";
  }
  return "healthy";
}

EndpointCondition endpoint_condition(const config::EndpointRef& ref, const EndpointState* state,
                                     Clock::time_point now) {
  if (!ref.provider->enabled) return EndpointCondition::disabled;
  if (state == nullptr) return EndpointCondition::healthy;
  if (state->health() == Health::unhealthy) return EndpointCondition::unhealthy;
  if (state->cooling_down(now)) return EndpointCondition::cooling_down;
  if (state->circuit(now) != Circuit::closed) return EndpointCondition::circuit_open;
  return EndpointCondition::healthy;
}

std::string condition_reason(const config::EndpointRef& ref, const EndpointState* state,
                             EndpointCondition condition) {
  switch (condition) {
    case EndpointCondition::healthy:
      return {};
    case EndpointCondition::disabled:
      return ref.provider->disabled_reason.empty()
                 ? "provider " + ref.provider->name + " is disabled"
                 : ref.provider->disabled_reason;
    case EndpointCondition::unhealthy:
      return state != nullptr ? describe(state->health_reason()) : "";
    case EndpointCondition::cooling_down:
      return "Retry-After cooldown";
    case EndpointCondition::circuit_open:
      return "circuit breaker open after consecutive failures";
  }
  return {};
}

}  // namespace switchyard::policies
