// The prompt token estimate: a rule of thumb over the canonical chat body.
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "providers/canonical/token_estimate.hpp"

using namespace switchyard;

TEST_CASE("token estimate: text, parts, images, message overhead") {
  CHECK(estimate_text_tokens("") == 0);
  CHECK(estimate_text_tokens("abcd") == 1);
  CHECK(estimate_text_tokens("abcde") == 2);

  auto body = boost::json::parse(R"({"messages": [
      {"role": "system", "content": "12345678"},
      {"role": "user", "content": [
         {"type": "text", "text": "1234"},
         {"type": "image_url", "image_url": {"url": "data:..."}},
         {"type": "image_url", "image_url": {"url": "data:..."}}]},
      {"role": "assistant", "content": null,
       "tool_calls": [{"id": "1", "type": "function",
                       "function": {"name": "f", "arguments": "123"}}]}]})")
                  .as_object();
  // text bytes 8 + 4 + 1 + 3 = 16 -> 4; 3 messages -> 12; 2 images -> 170.
  CHECK(estimate_prompt_tokens(body) == 4 + 12 + 170);
  CHECK(estimate_prompt_tokens(boost::json::object{}) == 0);
}
