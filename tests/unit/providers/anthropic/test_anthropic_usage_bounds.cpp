// Upstream token counts are billed on: a negative one must not become a
// credit (found by the anthropic_codec fuzzer).
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "providers/anthropic/messages.hpp"

using namespace switchyard::providers;

TEST_CASE("anthropic usage: negative counts from the upstream count as zero") {
  Usage usage;
  anthropic::merge_anthropic_usage(
      boost::json::parse(R"({"input_tokens":-72,"output_tokens":-5,"cache_read_input_tokens":-1})")
          .as_object(),
      usage);
  CHECK(usage.prompt_tokens == 0);
  CHECK(usage.completion_tokens == 0);
  CHECK(usage.cached_prompt_tokens == 0);
}
