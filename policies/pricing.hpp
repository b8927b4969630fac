#pragma once
// Every price computation in one place, in exact picodollars:
//   - the estimate the planner ranks candidates by,
//   - the worst case a budget reserves before a request goes out,
//   - the settled cost of an answer from its token counts.
// All sums saturate at the largest Picousd instead of overflowing.
#include <cstdint>
#include <span>

#include "config/config.hpp"
#include "config/snapshot.hpp"
#include "policies/plan_request.hpp"

namespace switchyard::policies {

// Completion tokens the ranking estimate assumes: the caller's max_tokens, or
// routing.default_completion_tokens when it gave none.
std::int64_t estimated_completion_tokens(const PlanRequest& request,
                                         const config::Routing& routing);

// The ranking estimate: prompt tokens x prompt price + completion tokens x
// completion price. Cached prices are ignored: whether a prompt hits a cache
// is not known before it is sent.
Picousd estimated_cost(const config::Price& price, std::int64_t prompt_tokens,
                       std::int64_t completion_tokens);

// The most one candidate can cost: the prompt estimate at the prompt price
// plus max_tokens (or, without one, the model's max_output_tokens) at the
// completion price.
Picousd worst_case_cost(const config::EndpointRef& candidate, const PlanRequest& request);
// The most a plan can cost: the maximum over its candidates, since any one of
// them may end up serving the request.
Picousd worst_case_cost(std::span<const config::EndpointRef* const> candidates,
                        const PlanRequest& request);

// Token counts an answer is billed on. `prompt` counts every prompt token,
// cache reads and cache writes included (OpenAI's convention).
struct BilledTokens {
  std::int64_t prompt = 0;
  std::int64_t cache_read = 0;
  std::int64_t cache_write = 0;
  std::int64_t completion = 0;
};

// The settled cost: uncached prompt tokens at the prompt price, cache reads
// at the cached price, cache writes at the cache_write price (the prompt price
// where the endpoint has none), completion tokens at the completion price.
// Inconsistent counts are clamped (reads and writes never exceed the prompt),
// so a confused upstream cannot make a cost negative.
Picousd settled_cost(const config::Price& price, const BilledTokens& tokens);

}  // namespace switchyard::policies
