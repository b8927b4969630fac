#pragma once
// GET /v1/models (OpenRouter-like entries plus our provenance facts) and the
// readiness verdict, both read from a snapshot and live endpoint state.
#include <string>

#include "config/snapshot.hpp"
#include "policies/endpoint_state.hpp"
#include "policies/endpoint_table.hpp"

namespace switchyard {

std::string render_models(const config::Snapshot& snapshot, const policies::EndpointTable& table,
                          policies::Clock::time_point now);

// An endpoint can take traffic: provider enabled, not unhealthy, circuit not
// open, not cooling down. Without a state in the table, it has none of those.
bool endpoint_usable(const config::EndpointRef& ref, const policies::EndpointState* state,
                     policies::Clock::time_point now);
std::size_t usable_endpoint_count(const config::Snapshot& snapshot,
                                  const policies::EndpointTable& endpoints,
                                  policies::Clock::time_point now);

}  // namespace switchyard
