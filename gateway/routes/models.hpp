#pragma once
// GET /v1/models (OpenRouter-like entries plus our provenance facts) and the
// readiness verdict, both read from a snapshot and live endpoint state.
#include <string>

#include "config/snapshot.hpp"
#include "policies/endpoint_state.hpp"

namespace switchyard {

std::string render_models(const config::Snapshot& snapshot, policies::Clock::time_point now);

// An endpoint can take traffic: provider enabled, not unhealthy, circuit not
// open, not cooling down.
bool endpoint_usable(const config::EndpointRef& ref, policies::Clock::time_point now);
std::size_t usable_endpoint_count(const config::Snapshot& snapshot,
                                  policies::Clock::time_point now);

}  // namespace switchyard
