// A provider key echoed by an upstream, whole or cut short, never passes on.
#include <doctest/doctest.h>

#include "providers/redact_secret.hpp"

using switchyard::providers::redact_secret;

namespace {
std::string redacted(std::string text, std::string_view secret) {
  redact_secret(text, secret);
  return text;
}
}  // namespace

TEST_CASE("redact_secret removes the key, whole or truncated, and nothing else") {
  constexpr std::string_view key = "pk-canary-9d1e5b7c3a";
  CHECK(redacted("Bearer pk-canary-9d1e5b7c3a sent", key) == "Bearer [redacted] sent");
  CHECK(redacted("a pk-canary-9d1e5b7c3a b pk-canary-9d1e5b7c3a", key) ==
        "a [redacted] b [redacted]");
  CHECK(redacted("keypk-canary-9d1e5b7c3apk-canary-9d1e5b7c3a", key) == "key[redacted][redacted]");
  // Cut by a length limit: the fragment goes too.
  CHECK(redacted("you sent pk-canary-9d1...", key) == "you sent [redacted]...");
  CHECK(redacted("you sent pk-cana", key) == "you sent pk-cana");  // shorter than the probe
  CHECK(redacted("no key here", key) == "no key here");
  std::string untouched = "no canary here";
  CHECK_FALSE(redact_secret(untouched, key));
  CHECK(untouched == "no canary here");
  // Text that starts like the key is cut where it stops matching: erring on
  // the side of removing too much.
  CHECK(redacted("pk-canary-other-key", key) == "[redacted]other-key");
  // Short keys: whole matches only; tiny ones are not searched for.
  CHECK(redacted("x abc12 y", "abc12") == "x [redacted] y");
  CHECK(redacted("x abc y", "abc") == "x abc y");
  CHECK(redacted("abc", "") == "abc");
}
