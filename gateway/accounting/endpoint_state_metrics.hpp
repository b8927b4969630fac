#pragma once
// switchyard_endpoint_state{provider,model,state}: for every catalog endpoint,
// one series per state (healthy, circuit_open, cooling_down, unhealthy,
// disabled), 1 for the state it is in now and 0 for the others. Computed at
// scrape time from the snapshot and the live endpoint table, so it is never
// stale and a reload drops the series of endpoints that are gone. Labels come
// from the catalog: cardinality is endpoints x 5.
#include <string>

#include "config/snapshot.hpp"
#include "policies/endpoint_state.hpp"
#include "policies/endpoint_table.hpp"

namespace switchyard {

// The family in the Prometheus text format (0.0.4), HELP and TYPE included.
std::string render_endpoint_states(const config::Snapshot& snapshot,
                                   const policies::EndpointTable& table,
                                   policies::Clock::time_point now);

}  // namespace switchyard
