#include "gateway/flow/planning.hpp"

#include <functional>

#include "gateway/flow/plan_request_from_chat.hpp"

namespace switchyard {

bool plan_for(const config::Snapshot& snapshot, const policies::EndpointTable& endpoints,
              const config::Key* key, const ChatRequest& chat, const std::string& request_id,
              policies::RoutePlan& plan, Error& error) {
  policies::PlanRequest request;
  if (!make_plan_request(chat, request, error)) return false;
  // The request id seeds the rotation among near-equal prices.
  std::uint64_t seed = std::hash<std::string>{}(request_id);
  plan = policies::plan_route(
      {snapshot, endpoints, key, request, std::chrono::steady_clock::now(), seed});
  return true;
}

Error plan_error(const policies::RoutePlan& plan) {
  switch (plan.failure) {
    case policies::PlanFailure::unknown_model:
      return make_error(ErrorCode::model_not_found, plan.message, "model");
    case policies::PlanFailure::bad_preferences:
      // 400, not 503 (most clients retry a 503 whatever x-should-retry says)
      // nor 404 (the model exists): the request's own fields are wrong.
      return make_error(ErrorCode::invalid_request, plan.message, plan.param);
    case policies::PlanFailure::denied:
      return make_error(ErrorCode::policy_denied, plan.message);
    case policies::PlanFailure::cooling_down: {
      Error error = make_error(ErrorCode::all_cooling_down, plan.message);
      error.retry_after_s = static_cast<int>(plan.retry_after ? plan.retry_after->count() : 1);
      return error;
    }
    default: {
      Error error = make_error(ErrorCode::no_endpoint, plan.message);
      if (!plan.retryable) error.retryable = false;
      return error;
    }
  }
}

}  // namespace switchyard
