#include "policies/pricing.hpp"

#include <algorithm>
#include <limits>

namespace switchyard::policies {

namespace {

constexpr Picousd kMaxCost = std::numeric_limits<Picousd>::max();

Picousd add(Picousd a, Picousd b) {
  return a > kMaxCost - b ? kMaxCost : a + b;
}

}  // namespace

std::int64_t estimated_completion_tokens(const PlanRequest& request,
                                         const config::Routing& routing) {
  return request.max_tokens.value_or(routing.default_completion_tokens);
}

Picousd estimated_cost(const config::Price& price, std::int64_t prompt_tokens,
                       std::int64_t completion_tokens) {
  return add(cost_of(prompt_tokens, price.prompt), cost_of(completion_tokens, price.completion));
}

Picousd worst_case_cost(const config::EndpointRef& candidate, const PlanRequest& request) {
  std::int64_t completion = request.max_tokens.value_or(candidate.model->max_output_tokens);
  return estimated_cost(candidate.endpoint->price, request.estimated_prompt_tokens, completion);
}

Picousd worst_case_cost(std::span<const config::EndpointRef* const> candidates,
                        const PlanRequest& request) {
  Picousd worst = 0;
  for (const config::EndpointRef* candidate : candidates) {
    worst = std::max(worst, worst_case_cost(*candidate, request));
  }
  return worst;
}

Picousd settled_cost(const config::Price& price, const BilledTokens& tokens) {
  std::int64_t prompt = std::max<std::int64_t>(tokens.prompt, 0);
  std::int64_t reads = std::clamp<std::int64_t>(tokens.cache_read, 0, prompt);
  std::int64_t writes = std::clamp<std::int64_t>(tokens.cache_write, 0, prompt - reads);
  Picousd cost = cost_of(prompt - reads - writes, price.prompt);
  cost = add(cost, cost_of(reads, price.cached_prompt));
  cost = add(cost, cost_of(writes, price.cache_write.value_or(price.prompt)));
  return add(cost, cost_of(tokens.completion, price.completion));
}

}  // namespace switchyard::policies
