#include "gateway/flow/usage_json.hpp"

#include <algorithm>

namespace switchyard {

Picousd cost_for(const providers::Usage& usage, const config::Price& price) {
  std::int64_t cached = std::min(usage.cached_prompt_tokens, usage.prompt_tokens);
  return cost_of(usage.prompt_tokens - cached, price.prompt) +
         cost_of(cached, price.cached_prompt) + cost_of(usage.completion_tokens, price.completion);
}

boost::json::object usage_with_cost(const providers::Usage& usage, Picousd cost) {
  boost::json::object object = usage.raw;
  if (!usage.reported) {
    object["prompt_tokens"] = usage.prompt_tokens;
    object["completion_tokens"] = usage.completion_tokens;
    object["total_tokens"] = usage.prompt_tokens + usage.completion_tokens;
  }
  object["cost"] = to_usd_double(cost);
  return object;
}

}  // namespace switchyard
