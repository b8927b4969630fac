// An upstream that echoes the key it was sent must not hand it to the client:
// error text from an OpenAI-compatible upstream is redacted before use.
#include <doctest/doctest.h>

#include "providers/canonical/redact.hpp"
#include "providers/codec.hpp"

using namespace switchyard::providers;

TEST_CASE("openai errors: a key echoed in an error body is redacted") {
  auto codec = make_openai_codec();
  UpstreamError error = codec->map_error(
      401, R"({"error":{"message":"Incorrect API key provided: sk-live-0123456789abcdef."}})");
  CHECK(error.message.find("sk-live") == std::string::npos);
  CHECK(error.message.find("[redacted]") != std::string::npos);
  CHECK(error.message.find("Incorrect API key provided") != std::string::npos);
}

TEST_CASE("redact_keys: every sk- token, up to a delimiter") {
  CHECK(redact_keys("a sk-1 b 'sk-2' sk-3") == "a [redacted] b '[redacted]' [redacted]");
  CHECK(redact_keys("no key here") == "no key here");
  CHECK(redact_keys("") == "");
}
