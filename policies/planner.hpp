#pragma once
// The planner: a pure function of (config snapshot, live endpoint state,
// plan request, key) -> ordered attempts plus a trace of every decision. No
// I/O and no JSON, so it is cheap, testable without sockets, and explainable
// (POST /v1/route) or replayable from a record.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/snapshot.hpp"
#include "policies/endpoint_state.hpp"
#include "policies/endpoint_table.hpp"
#include "policies/plan_request.hpp"
#include "policies/request_preferences.hpp"
#include "policies/wildcard_model.hpp"

namespace switchyard::policies {

struct TraceEntry {
  const config::EndpointRef* endpoint = nullptr;
  bool kept = false;
  // Which filter removed it ("key_policy:no-cn", "request.only", ...), or
  // "attempt_limit" for a usable candidate beyond max_attempts.
  std::string filter;
  std::string reason;  // why, in words
  Picousd estimated_cost = 0;
  EndpointStatsView stats;
  int rank = -1;  // position in the plan when kept
};

// bad_preferences: the request's own fields name a provider that does not
// exist, or rule out every endpoint the key's policy left (a 4xx: a retry of
// the same request cannot succeed).
enum class PlanFailure { none, unknown_model, denied, cooling_down, no_endpoint, bad_preferences };

struct RoutePlan {
  std::vector<const config::EndpointRef*> attempts;  // in order
  std::vector<Picousd> estimated_costs;              // parallel to attempts
  std::vector<TraceEntry> trace;                     // every candidate considered
  std::vector<std::string> policy_decisions;         // summary for the usage record
  PlanFailure failure = PlanFailure::none;
  std::string message;    // client-facing reason on failure; names no other key
  std::string denied_by;  // policy name on `denied`
  std::string param;      // the request field at fault on `bad_preferences` ("provider.only")
  std::optional<std::chrono::seconds> retry_after;  // on `cooling_down`
  // False when no later retry can succeed (nothing was removed for being
  // unavailable or cooling down): the client is told not to retry.
  bool retryable = true;
  // The models made for names only a wildcard entry matched: attempts and
  // trace point into them, so they live as long as the plan.
  std::vector<std::shared_ptr<const WildcardInstance>> wildcard_models;
};

struct PlanInput {
  const config::Snapshot& snapshot;
  const EndpointTable& endpoints;    // live state, looked up by endpoint key
  const config::Key* key = nullptr;  // null when keys are not required
  const PlanRequest& request;
  Clock::time_point now;
  std::uint64_t spread_seed = 0;  // spreads load across near-equal prices
};

// Never throws on bad input: an unknown model, a denying policy or nothing
// usable come back as `failure` with a client-facing `message`.
RoutePlan plan_route(const PlanInput& input);

const char* to_string(PlanFailure failure);  // "unknown_model", ...

// ":floor" -> price, ":nitro" -> throughput; returns the id without the suffix
// and sets `sort` (left unchanged without a suffix).
std::string_view strip_model_suffix(std::string_view model, SortBy& sort);

}  // namespace switchyard::policies
