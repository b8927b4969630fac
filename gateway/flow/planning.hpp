#pragma once
// The flow's one call into the planner, and how a failed plan is told to the
// client. Shared by the request flow and the explain route.
#include <cstdint>
#include <string>

#include "config/snapshot.hpp"
#include "gateway/errors.hpp"
#include "policies/endpoint_table.hpp"
#include "policies/planner.hpp"
#include "providers/canonical/chat_request.hpp"

namespace switchyard {

// The plan for a canonical request; false with `error` when the request's
// routing preferences are not valid (then no plan was made).
bool plan_for(const config::Snapshot& snapshot, const policies::EndpointTable& endpoints,
              const config::Key* key, const ChatRequest& chat, const std::string& request_id,
              policies::RoutePlan& plan, Error& error);

// unknown model -> 404, denied -> 403, cooling down -> 429 + Retry-After,
// else 503 (not retryable when the request's own preferences ruled all out).
Error plan_error(const policies::RoutePlan& plan);

}  // namespace switchyard
