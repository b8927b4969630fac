// "usage": null on every chunk before the usage chunk, as OpenAI writes them
// when the caller sets stream_options.include_usage.
#include <doctest/doctest.h>

#include "providers/openai/stream_usage.hpp"

using switchyard::providers::with_null_usage;

TEST_CASE("with_null_usage adds a null usage only where there is none") {
  CHECK(with_null_usage(R"({"id":"c","choices":[]})") == R"({"id":"c","choices":[],"usage":null})");
  CHECK(with_null_usage("{}") == R"({"usage":null})");
  CHECK(with_null_usage("{\"a\":1} \n") == "{\"a\":1,\"usage\":null} \n");
  // Already there, null or not: unchanged.
  CHECK(with_null_usage(R"({"a":1,"usage":null})") == R"({"a":1,"usage":null})");
  CHECK(with_null_usage(R"({"usage":{"prompt_tokens":1}})") == R"({"usage":{"prompt_tokens":1}})");
  // "usage" only inside content is not a usage member.
  CHECK(with_null_usage(R"({"choices":[{"delta":{"content":"\"usage\""}}]})") ==
        R"({"choices":[{"delta":{"content":"\"usage\""}}],"usage":null})");
  CHECK(with_null_usage(R"({"x":{"usage":1}})") == R"({"x":{"usage":1},"usage":null})");
  // Not an object: left alone.
  CHECK(with_null_usage("[DONE]") == "[DONE]");
  CHECK(with_null_usage("") == "");
}
