#include "gateway/flow/planning.hpp"

#include <functional>

namespace switchyard {

policies::RoutePlan plan_for(const config::Snapshot& snapshot, const config::Key* key,
                             const ChatRequest& chat, const std::string& request_id) {
  // The request id seeds the rotation among near-equal prices.
  std::uint64_t seed = std::hash<std::string>{}(request_id);
  return policies::plan_route({snapshot, key, chat, std::chrono::steady_clock::now(), seed});
}

Error plan_error(const policies::RoutePlan& plan) {
  switch (plan.failure) {
    case policies::PlanFailure::unknown_model:
      return make_error(ErrorCode::model_not_found, plan.message, "model");
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
