// Pricing: the ranking estimate, the worst case a budget reserves and the
// settled cost, to the picodollar, with published list prices (USD per
// million tokens; one such unit per token is one picodollar per token).
#include <doctest/doctest.h>

#include "config/money.hpp"
#include "policies/pricing.hpp"

using namespace switchyard;
using namespace switchyard::policies;

namespace {

Picousd usd_per_million(std::string_view text) {
  auto price = parse_price_per_million(text);
  REQUIRE(price.has_value());
  return *price;
}

// Anthropic Claude Sonnet 4: $3 input, $15 output, $0.30 cache read,
// $3.75 cache write (5-minute), per million tokens.
config::Price claude_sonnet_4() {
  config::Price price;
  price.prompt = usd_per_million("3");
  price.completion = usd_per_million("15");
  price.cached_prompt = usd_per_million("0.30");
  price.cache_write = usd_per_million("3.75");
  return price;
}

// DeepSeek V3 (deepseek-chat): $0.27 input (cache miss), $0.07 cache hit,
// $1.10 output; no separate cache-write price.
config::Price deepseek_chat() {
  config::Price price;
  price.prompt = usd_per_million("0.27");
  price.completion = usd_per_million("1.10");
  price.cached_prompt = usd_per_million("0.07");
  return price;
}

struct Catalog {
  config::Provider provider;
  config::Model sonnet;
  config::Model deepseek;
  config::Endpoint sonnet_endpoint;
  config::Endpoint deepseek_endpoint;
  config::EndpointRef sonnet_ref;
  config::EndpointRef deepseek_ref;

  Catalog() {
    sonnet.max_output_tokens = 8192;
    deepseek.max_output_tokens = 8192;
    sonnet_endpoint.price = claude_sonnet_4();
    deepseek_endpoint.price = deepseek_chat();
    sonnet_ref = {&sonnet, &sonnet_endpoint, &provider, 0, "anthropic/claude-sonnet-4@anthropic"};
    deepseek_ref = {&deepseek, &deepseek_endpoint, &provider, 1, "deepseek/deepseek-chat@deepseek"};
  }
};

}  // namespace

TEST_SUITE("pricing") {
  TEST_CASE("published prices parse to picodollars per token") {
    CHECK(claude_sonnet_4().prompt == 3'000'000);
    CHECK(claude_sonnet_4().cache_write == 3'750'000);
    CHECK(deepseek_chat().cached_prompt == 70'000);
  }

  TEST_CASE("ranking estimate: prompt and completion at list price, caches ignored") {
    // 1200 × $0.27/M + 300 × $1.10/M = 324 µUSD + 330 µUSD.
    CHECK(estimated_cost(deepseek_chat(), 1200, 300) == 654'000'000);
    config::Routing routing;
    routing.default_completion_tokens = 512;
    PlanRequest request;
    CHECK(estimated_completion_tokens(request, routing) == 512);
    request.max_tokens = 64;
    CHECK(estimated_completion_tokens(request, routing) == 64);
  }

  TEST_CASE("worst case: max_tokens, else the model's max output; the dearest candidate") {
    Catalog catalog;
    PlanRequest request;
    request.estimated_prompt_tokens = 2000;
    // No max_tokens: 2000 × $3/M + 8192 × $15/M = 6 000 + 122 880 µUSD.
    CHECK(worst_case_cost(catalog.sonnet_ref, request) == 128'880'000'000);
    request.max_tokens = 1000;
    // 2000 × $3/M + 1000 × $15/M = 21 000 µUSD.
    CHECK(worst_case_cost(catalog.sonnet_ref, request) == 21'000'000'000);
    // 2000 × $0.27/M + 1000 × $1.10/M = 1 640 µUSD.
    CHECK(worst_case_cost(catalog.deepseek_ref, request) == 1'640'000'000);
    const config::EndpointRef* plan[] = {&catalog.deepseek_ref, &catalog.sonnet_ref};
    CHECK(worst_case_cost(plan, request) == 21'000'000'000);
    CHECK(worst_case_cost(std::span<const config::EndpointRef* const>{}, request) == 0);
  }

  TEST_CASE("settled: uncached prompt, cache reads, cache writes and completion at their prices") {
    // 10 000 prompt tokens of which 6 000 read from and 2 000 written to the
    // cache, 500 completion tokens:
    //   2 000 × $3 + 6 000 × $0.30 + 2 000 × $3.75 + 500 × $15 (per M)
    //   = 6 000 + 1 800 + 7 500 + 7 500 µUSD = $0.0228.
    BilledTokens tokens{10'000, 6'000, 2'000, 500};
    CHECK(settled_cost(claude_sonnet_4(), tokens) == 22'800'000'000);
    CHECK(format_usd(settled_cost(claude_sonnet_4(), tokens)) == "0.0228");
  }

  TEST_CASE("settled: without a cache_write price, writes cost the prompt price") {
    // 1 000 prompt (300 cache hits, 100 written), 200 completion:
    //   600 × $0.27 + 300 × $0.07 + 100 × $0.27 + 200 × $1.10 (per M)
    //   = 162 + 21 + 27 + 220 µUSD.
    CHECK(settled_cost(deepseek_chat(), {1000, 300, 100, 200}) == 430'000'000);
    // The same as billing writes with the uncached prompt.
    CHECK(settled_cost(deepseek_chat(), {1000, 300, 100, 200}) ==
          settled_cost(deepseek_chat(), {1000, 300, 0, 200}));
  }

  TEST_CASE("settled: inconsistent counts are clamped, never negative") {
    // More cache reads than prompt tokens: every prompt token is a read.
    CHECK(settled_cost(deepseek_chat(), {100, 500, 0, 0}) == 100 * 70'000);
    // Reads and writes over the prompt: writes get what reads left.
    CHECK(settled_cost(claude_sonnet_4(), {100, 80, 50, 0}) == 80 * 300'000 + 20 * 3'750'000);
    CHECK(settled_cost(deepseek_chat(), {-5, -1, -1, -3}) == 0);
  }

  TEST_CASE("sums saturate instead of overflowing") {
    config::Price huge;
    huge.prompt = usd_per_million("1000000");
    huge.completion = usd_per_million("1000000");
    constexpr Picousd kMax = std::numeric_limits<Picousd>::max();
    CHECK(estimated_cost(huge, std::int64_t{1} << 40, std::int64_t{1} << 40) == kMax);
    CHECK(settled_cost(huge, {std::int64_t{1} << 40, 0, 0, std::int64_t{1} << 40}) == kMax);
  }
}
