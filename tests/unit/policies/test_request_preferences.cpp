// parse_request_preferences (OpenRouter's provider object and our provenance
// object).
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "policies/request_preferences.hpp"

using namespace switchyard;
using namespace switchyard::policies;

namespace {

struct Parsed {
  bool ok = false;
  RequestPreferences prefs;
  std::string error;
  std::string param;
};

Parsed parse(std::string_view provider_json, std::string_view provenance_json = {}) {
  Parsed out;
  boost::json::value provider;
  boost::json::value provenance;
  if (!provider_json.empty()) provider = boost::json::parse(provider_json);
  if (!provenance_json.empty()) provenance = boost::json::parse(provenance_json);
  out.ok = parse_request_preferences(provider.if_object(), provenance.if_object(), out.prefs,
                                     out.error, out.param);
  return out;
}

}  // namespace

TEST_CASE("provider object: every field") {
  auto parsed = parse(R"({
    "order": ["deepseek", "together"], "only": ["deepseek", "together", "local"],
    "ignore": ["openai"], "allow_fallbacks": false, "sort": "latency",
    "max_price": {"prompt": 0.55, "completion": 2},
    "data_collection": "deny", "quantizations": ["fp8", "fp16"],
    "require_parameters": true, "preferred_max_latency": 1.5,
    "preferred_min_throughput": 30})");
  REQUIRE_MESSAGE(parsed.ok, parsed.error);
  const auto& p = parsed.prefs;
  CHECK(p.order == std::vector<std::string>{"deepseek", "together"});
  CHECK(p.only.size() == 3);
  CHECK(p.ignore == std::vector<std::string>{"openai"});
  CHECK_FALSE(p.allow_fallbacks);
  CHECK(p.sort == SortBy::latency);
  CHECK(p.max_prompt_price == Picousd{550'000});
  CHECK(p.max_completion_price == Picousd{2'000'000});
  CHECK(p.deny_data_collection);
  CHECK(p.quantizations == std::vector<std::string>{"fp8", "fp16"});
  CHECK(p.require_parameters);
  CHECK(p.preferred_max_latency_s == doctest::Approx(1.5));
  CHECK(p.preferred_min_throughput_tps == doctest::Approx(30));
}

TEST_CASE("no objects: defaults") {
  auto parsed = parse("");
  REQUIRE(parsed.ok);
  CHECK(parsed.prefs.allow_fallbacks);
  CHECK(parsed.prefs.sort == SortBy::none);
  CHECK_FALSE(parsed.prefs.max_prompt_price);
}

TEST_CASE("max_price converts USD per million to picodollars per token, to nearest") {
  struct Row {
    const char* json;
    Picousd expected;
  };
  const Row rows[] = {
      {R"({"max_price": {"prompt": 0.55}})", 550'000},
      {R"({"max_price": {"prompt": 0.075}})", 75'000},
      {R"({"max_price": {"prompt": 3}})", 3'000'000},
      {R"({"max_price": {"prompt": 0}})", 0},
      {R"({"max_price": {"prompt": 0.0000004}})", 0},  // below resolution
      {R"({"max_price": {"prompt": 0.0000006}})", 1},
      {R"({"max_price": {"prompt": 1e-1}})", 100'000},
  };
  for (const Row& row : rows) {
    CAPTURE(row.json);
    auto parsed = parse(row.json);
    REQUIRE(parsed.ok);
    CHECK(parsed.prefs.max_prompt_price == row.expected);
  }
}

TEST_CASE("errors name the field") {
  struct Row {
    const char* provider;
    const char* provenance;
    const char* param;
    const char* error;
  };
  const Row rows[] = {
      {R"({"sort": "cheapest"})", "", "provider.sort",
       "provider.sort: must be one of price, latency, throughput"},
      {R"({"sort": 1})", "", "provider.sort",
       "provider.sort: must be one of price, latency, throughput"},
      {R"({"colour": "red"})", "", "provider.colour", "provider.colour: unknown field"},
      {R"({"order": "deepseek"})", "", "provider.order",
       "provider.order: must be an array of strings"},
      {R"({"only": [1]})", "", "provider.only",
       "provider.only: must be a string or an array of non-empty strings"},
      {R"({"allow_fallbacks": "no"})", "", "provider.allow_fallbacks",
       "provider.allow_fallbacks: must be true or false"},
      {R"({"max_price": {"prompt": -1}})", "", "provider.max_price.prompt",
       "provider.max_price.prompt: must be a number >= 0 (USD per million tokens)"},
      {R"({"max_price": {"completion": "1"}})", "", "provider.max_price.completion",
       "provider.max_price.completion: must be a number >= 0 (USD per million tokens)"},
      {R"({"max_price": {"image": 1}})", "", "provider.max_price.image",
       "provider.max_price.image: unknown field (expected prompt, completion)"},
      {R"({"max_price": 1})", "", "provider.max_price",
       "provider.max_price: must be an object {prompt, completion}"},
      {R"({"data_collection": "maybe"})", "", "provider.data_collection",
       "provider.data_collection: must be one of allow, deny"},
      {R"({"preferred_max_latency": -2})", "", "provider.preferred_max_latency",
       "provider.preferred_max_latency: must be a number of seconds >= 0"},
      {"", R"({"weights": "free"})", "provenance.weights",
       "provenance.weights: must be one of open, closed"},
      {"", R"({"allow": [{"hosting": "cloud"}]})", "provenance.allow[0].hosting",
       "provenance.allow[0].hosting: must be one of local, remote"},
      {"", R"({"deny": {"origin": "CN"}})", "provenance.deny",
       "provenance.deny: must be an array of rule objects"},
      {"", R"({"allow": [], "origin": "CN"})", "provenance.origin",
       "provenance.origin: unknown field (use either {allow, deny} or a flat rule)"},
      {"", R"({"colour": "red"})", "provenance.colour", "provenance.colour: unknown field"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.provider);
    CAPTURE(row.provenance);
    auto parsed = parse(row.provider, row.provenance);
    CHECK_FALSE(parsed.ok);
    CHECK(parsed.param == row.param);
    CHECK(parsed.error == row.error);
  }
}

TEST_CASE("provenance: flat rule means allow this") {
  auto parsed = parse("", R"({"weights": "open", "hosting": "local", "origin": ["CN", "US"]})");
  REQUIRE(parsed.ok);
  REQUIRE(parsed.prefs.provenance_allow.size() == 1);
  CHECK(parsed.prefs.provenance_deny.empty());
  const config::Rule& rule = parsed.prefs.provenance_allow[0];
  CHECK(rule.weights == config::Weights::open);
  CHECK(rule.hosting == config::HostingLocation::local);
  CHECK(rule.origin == std::vector<std::string>{"CN", "US"});
}

TEST_CASE("provenance: allow and deny lists") {
  auto parsed = parse("", R"({"allow": [{"weights": "open"}, {"provider": "local"}],
                              "deny": [{"origin": "CN", "hosting": "remote",
                                        "retains_prompts": true}]})");
  REQUIRE(parsed.ok);
  CHECK(parsed.prefs.provenance_allow.size() == 2);
  REQUIRE(parsed.prefs.provenance_deny.size() == 1);
  CHECK(parsed.prefs.provenance_deny[0].retains_prompts == true);
  CHECK(parsed.prefs.provenance_deny[0].hosting == config::HostingLocation::remote);
}
