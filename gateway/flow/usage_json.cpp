#include "gateway/flow/usage_json.hpp"

#include "policies/pricing.hpp"

namespace switchyard {

Picousd cost_for(const providers::Usage& usage, const config::Price& price) {
  return policies::settled_cost(price, {usage.prompt_tokens, usage.cached_prompt_tokens,
                                        usage.cache_creation_tokens, usage.completion_tokens});
}

boost::json::object usage_for_client(const providers::Usage& usage) {
  boost::json::object object = usage.raw;
  if (!usage.reported) {
    object["prompt_tokens"] = usage.prompt_tokens;
    object["completion_tokens"] = usage.completion_tokens;
    object["total_tokens"] = usage.prompt_tokens + usage.completion_tokens;
  }
  return object;
}

}  // namespace switchyard
