// price.cache_write: the optional price of writing prompt tokens to a cache.
#include <doctest/doctest.h>

#include <string>

#include "config/config_loader.hpp"

using namespace switchyard;
using namespace switchyard::config;

namespace {

LoadResult load_price(const std::string& price) {
  const std::string yaml =
      "providers:\n"
      "  - name: p\n"
      "    base_url: http://127.0.0.1:9000/v1\n"
      "models:\n"
      "  - id: anthropic/claude-sonnet-4\n"
      "    family: claude\n"
      "    author: Anthropic\n"
      "    origin: US\n"
      "    weights: closed\n"
      "    license: proprietary\n"
      "    context_length: 200000\n"
      "    endpoints:\n"
      "      - provider: p\n"
      "        upstream_model: claude-sonnet-4-20250514\n"
      "        price: { " +
      price + " }\n";
  return load_config_text(yaml, ".", [](const std::string&) { return std::nullopt; });
}

}  // namespace

TEST_CASE("price.cache_write: parsed when given, absent otherwise, checked like any price") {
  LoadResult with = load_price("prompt: 3, completion: 15, cached_prompt: 0.30, cache_write: 3.75");
  REQUIRE(with.config.has_value());
  CHECK(with.config->models[0].endpoints[0].price.cache_write == std::optional<Picousd>(3'750'000));

  LoadResult without = load_price("prompt: 3, completion: 15");
  REQUIRE(without.config.has_value());
  CHECK_FALSE(without.config->models[0].endpoints[0].price.cache_write.has_value());

  LoadResult bad = load_price("prompt: 3, completion: 15, cache_write: -1");
  CHECK_FALSE(bad.config.has_value());
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].find("price.cache_write: must be a number >= 0") != std::string::npos);
}

TEST_CASE("the shipped catalog prices Anthropic's cache writes") {
  LoadResult shipped =
      load_config_file(std::string(SWITCHYARD_SOURCE_DIR "/config/switchyard.yaml"));
  REQUIRE(shipped.config.has_value());
  bool found = false;
  for (const Model& model : shipped.config->models) {
    if (model.id != "anthropic/claude-sonnet-4") continue;
    found = true;
    CHECK(model.endpoints.at(0).price.cache_write == std::optional<Picousd>(3'750'000));
  }
  CHECK(found);
}
