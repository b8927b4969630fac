#pragma once
// Where the canonical request meets the gateway's vocabulary: a canonical
// parse error becomes an ErrorCode, and a canonical chat request becomes the
// planner's input (its routing preferences read by the policies' own parser).
#include "gateway/errors.hpp"
#include "policies/plan_request.hpp"
#include "providers/canonical/chat_request.hpp"

namespace switchyard {

Error to_error(const ParseError& error);

// False (and an invalid_request `error` naming the field) when the request's
// `provider` or `provenance` object is not one the planner understands.
bool make_plan_request(const ChatRequest& chat, policies::PlanRequest& out, Error& error);

}  // namespace switchyard
