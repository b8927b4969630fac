// No open relay: a listener reachable from other hosts needs keys or an
// explicit server.allow_unauthenticated, and a bare Anthropic base_url gets /v1.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "config/config_loader.hpp"
#include "config/exposure.hpp"

namespace {

using namespace switchyard::config;

LoadResult load(const std::string& yaml) {
  return load_config_text(yaml, ".", [](const std::string&) { return std::nullopt; });
}

bool mentions(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

}  // namespace

TEST_CASE("loopback hosts") {
  CHECK(is_loopback_host("127.0.0.1"));
  CHECK(is_loopback_host("127.1.2.3"));
  CHECK(is_loopback_host("::1"));
  CHECK(is_loopback_host("localhost"));
  CHECK_FALSE(is_loopback_host("0.0.0.0"));
  CHECK_FALSE(is_loopback_host("::"));
  CHECK_FALSE(is_loopback_host("10.0.0.5"));
  CHECK_FALSE(is_loopback_host("example.internal"));
}

TEST_CASE("the default listener is loopback") {
  LoadResult result = load("server:\n  workers: 1\n");
  REQUIRE(result.config.has_value());
  CHECK(result.config->server.listen_host == "127.0.0.1");
  CHECK(result.errors.empty());
}

TEST_CASE("a non-loopback listener without keys is refused, naming the fix") {
  LoadResult result = load("server:\n  listen: 0.0.0.0:8080\n");
  CHECK_FALSE(result.config.has_value());
  CHECK(mentions(result.errors, "server.allow_unauthenticated: true"));
  CHECK(mentions(result.errors, "0.0.0.0:8080"));
}

TEST_CASE("allow_unauthenticated admits it with a warning") {
  LoadResult result = load("server:\n  listen: 0.0.0.0:8080\n  allow_unauthenticated: true\n");
  REQUIRE(result.config.has_value());
  CHECK(mentions(result.warnings, "without keys"));
}

TEST_CASE("keys make a non-loopback listener fine; require_key: false does not") {
  Config config;
  config.server.listen_host = "0.0.0.0";
  CHECK_FALSE(check_unauthenticated_exposure(config).error.empty());
  config.keys.push_back(Key{});
  CHECK(check_unauthenticated_exposure(config).error.empty());
  CHECK(check_unauthenticated_exposure(config).warning.empty());
  config.server.require_key = false;
  CHECK_FALSE(check_unauthenticated_exposure(config).error.empty());
  config.server.listen_host = "::1";
  CHECK(check_unauthenticated_exposure(config).error.empty());
}

TEST_CASE("limits.max_chat_body_bytes: 32 MiB by default, configurable") {
  LoadResult defaults = load("server:\n  workers: 1\n");
  REQUIRE(defaults.config.has_value());
  CHECK(defaults.config->server.limits.max_chat_body_bytes == 32u * 1024 * 1024);
  CHECK(defaults.config->server.limits.max_body_bytes == 4u * 1024 * 1024);
  LoadResult set = load("server:\n  limits: { max_chat_body_bytes: 8MiB }\n");
  REQUIRE(set.config.has_value());
  CHECK(set.config->server.limits.max_chat_body_bytes == 8u * 1024 * 1024);
}

TEST_CASE("an Anthropic base_url without a path gets /v1, as the Anthropic SDKs do") {
  LoadResult result = load(
      "providers:\n"
      "  - name: claude\n"
      "    kind: anthropic\n"
      "    base_url: https://api.anthropic.com\n"
      "  - name: proxied\n"
      "    kind: anthropic\n"
      "    base_url: https://gateway.example/anthropic/v1\n");
  REQUIRE(result.config.has_value());
  REQUIRE(result.config->providers.size() == 2);
  CHECK(result.config->providers[0].url.base_path == "/v1");
  CHECK(result.config->providers[1].url.base_path == "/anthropic/v1");
}
