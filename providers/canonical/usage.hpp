#pragma once
// Token usage of one answer, as the upstream reported it (or as estimated when
// it reported none). OpenAI's convention: prompt_tokens counts every prompt
// token, cache reads and cache writes included; the cache fields say how many
// of them were which, so pricing can bill each part at its own price.
#include <cstdint>

#include <boost/json/object.hpp>

namespace switchyard::providers {

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cached_prompt_tokens = 0;   // cache reads
  std::int64_t cache_creation_tokens = 0;  // Anthropic cache writes
  std::int64_t reasoning_tokens = 0;
  bool reported = false;    // the upstream told us; false means estimate
  boost::json::object raw;  // OpenAI-shaped usage object to hand to the client
};

}  // namespace switchyard::providers
