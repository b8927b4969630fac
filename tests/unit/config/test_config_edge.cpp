// The edge settings of the server section and keys: admin listener, TLS,
// open paths, body deadline, per-key concurrency.
#include <doctest/doctest.h>

#include "config/config_loader.hpp"

using namespace switchyard::config;

namespace {
LoadResult load_text(const std::string& yaml) {
  return load_config_text(
      yaml, ".", [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
}
std::string joined_errors(const LoadResult& result) {
  std::string all;
  for (const auto& e : result.errors) all += e + "\n";
  return all;
}
}  // namespace

TEST_SUITE("config edge") {
  TEST_CASE("admin listener, TLS, open paths, body timeout and max_concurrent load") {
    LoadResult result = load_text(
        "server:\n  admin_listen: 127.0.0.1:9090\n"
        "  tls: { cert: a.crt, key: a.key, min_version: \"1.3\" }\n"
        "  open_paths: [/metrics, /readyz]\n  limits: { body_timeout: 3s }\n"
        "keys:\n  - name: a\n    key_sha256: " +
        std::string(64, 'a') + "\n    max_concurrent: 4\n");
    INFO(joined_errors(result));
    REQUIRE(result.config.has_value());
    const Server& server = result.config->server;
    CHECK(server.admin_host == "127.0.0.1");
    CHECK(server.admin_port == 9090);
    REQUIRE(server.tls.has_value());
    CHECK(server.tls->cert == "a.crt");
    CHECK(server.tls->min_version == "1.3");
    CHECK(server.open_paths == std::vector<std::string>{"/metrics", "/readyz"});
    CHECK(server.limits.body_timeout == Millis(3000));
    CHECK(result.config->keys.at(0).max_concurrent == 4);
  }

  TEST_CASE("defaults: no admin listener, no TLS, 30 s body timeout, no key limit") {
    LoadResult result = load_text("server: { listen: 127.0.0.1:1 }\n");
    REQUIRE(result.config.has_value());
    CHECK_FALSE(result.config->server.admin_host.has_value());
    CHECK_FALSE(result.config->server.tls.has_value());
    CHECK(result.config->server.limits.body_timeout == Millis(30'000));
  }

  TEST_CASE("bad edge settings name their path") {
    LoadResult result = load_text(
        "server:\n  admin_listen: nowhere\n  tls: { cert: a.crt, min_version: \"1.1\" }\n"
        "  open_paths: [metrics]\n");
    std::string errors = joined_errors(result);
    CHECK_FALSE(result.config.has_value());
    CHECK(errors.find("server.admin_listen") != std::string::npos);
    CHECK(errors.find("server.tls.key") != std::string::npos);
    CHECK(errors.find("server.tls.min_version") != std::string::npos);
    CHECK(errors.find("server.open_paths[0]") != std::string::npos);
  }
}
