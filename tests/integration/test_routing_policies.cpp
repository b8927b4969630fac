// Routing through the real gateway, performance and price side: sort by
// latency and throughput from live traffic, the circuit breaker, Retry-After
// cooldowns, :floor / sort=price / max_price, the `models` fallback list and
// allow_fallbacks.
#include <atomic>
#include <map>
#include <thread>

#include "tests/integration/routing_support.hpp"
#include "tests/integration/stack.hpp"

using namespace itest;
using namespace itest::routing;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

// Two local providers serving one model at the same price, so only the
// requested sort can tell them apart.
Setup twin_setup(const std::string& first, const std::string& second,
                 const std::vector<std::string>& model_ids) {
  Setup s;
  s.providers = {{.name = first}, {.name = second}};
  for (const std::string& id : model_ids) {
    s.models.push_back({.id = id, .endpoints = {{.provider = first}, {.provider = second}}});
  }
  return s;
}

// A cheap provider and a dearer one for the same model (and optionally more
// models), default order: the cheap one first.
Setup cheap_and_dear(const std::string& cheap, const std::string& dear,
                     const std::vector<std::string>& model_ids) {
  Setup s;
  s.providers = {{.name = cheap}, {.name = dear}};
  for (const std::string& id : model_ids) {
    s.models.push_back(
        {.id = id,
         .endpoints = {{.provider = cheap, .prompt_price = "0.1", .completion_price = "0.1"},
                       {.provider = dear, .prompt_price = "1", .completion_price = "1"}}});
  }
  return s;
}

double millis_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The explain route's trace entry for `provider`, or an empty object.
json::object explained(Fleet& fleet, const std::string& body, const std::string& provider) {
  auto res = post_route(fleet.port(), body);
  if (res.status != 200) return {};
  json::value plan = res.json();
  const json::object* item = trace_item(plan, provider);
  return item ? *item : json::object{};
}

bool kept(const json::object& item) {
  const json::value* value = item.if_contains("kept");
  return value != nullptr && value->is_bool() && value->get_bool();
}

}  // namespace

TEST_SUITE("routing policies") {
  TEST_CASE("sort=latency moves traffic to the faster upstream") {
    Fleet fleet(twin_setup("slow", "fast", {"test/lat"}));
    fleet.fake("slow").set_handler(delayed_handler(60ms));
    fleet.fake("fast").set_handler(delayed_handler(5ms));
    std::string body = chat_json("test/lat", {{"provider", {{"sort", "latency"}}}});

    // Exploration: unmeasured endpoints go first, so both get measured.
    for (int i = 0; i < 3; ++i) REQUIRE(post_chat(fleet.port(), body).status == 200);
    CHECK(fleet.fake("slow").hits() >= 1);
    CHECK(fleet.fake("fast").hits() >= 1);
    // The measured time to first token includes the wait for the answer.
    auto slow_stats = explained(fleet, body, "slow").at("stats");
    auto fast_stats = explained(fleet, body, "fast").at("stats");
    INFO("slow " << json::serialize(slow_stats) << " fast " << json::serialize(fast_stats));
    CHECK(slow_stats.at("ttft_p50_ms").to_number<double>() >= 40);
    CHECK(fast_stats.at("ttft_p50_ms").to_number<double>() <
          slow_stats.at("ttft_p50_ms").to_number<double>());

    // Load from three clients: nearly everything goes to the fast one.
    std::size_t slow_before = fleet.fake("slow").hits();
    std::atomic<int> failures{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < 3; ++c) {
      clients.emplace_back([&] {
        TestClient client(fleet.port());
        for (int i = 0; i < 8; ++i) {
          if (client.post("/v1/chat/completions", body).status != 200) ++failures;
        }
      });
    }
    for (auto& t : clients) t.join();
    CHECK(failures == 0);
    std::size_t slow_later = fleet.fake("slow").hits() - slow_before;
    INFO("slow upstream took " << slow_later << " of 24 later requests");
    CHECK(slow_later <= 2);
  }

  TEST_CASE("sort=throughput and :nitro move streams to the faster token rate") {
    // The sluggish one is listed first: without the sort it would be tried first.
    Fleet fleet(twin_setup("sluggish", "quick", {"test/nitro", "test/tps"}));
    FakeAnswer answer;
    answer.pieces = {"a", "b", "c", "d", "e", "f"};
    answer.usage = {10, 30};
    answer.delay = 30ms;
    fleet.fake("sluggish").set_handler(openai_handler(answer));
    answer.delay = 2ms;
    fleet.fake("quick").set_handler(openai_handler(answer));

    for (const auto& [model, extra] : std::vector<std::pair<std::string, json::object>>{
             {"test/nitro:nitro", {{"stream", true}}},
             {"test/tps", {{"stream", true}, {"provider", {{"sort", "throughput"}}}}}}) {
      const std::string& model_id = model;  // clang 14: INFO cannot capture a binding
      INFO("model " << model_id);
      std::string body = chat_json(model, extra);
      std::size_t sluggish_before = fleet.fake("sluggish").hits();
      std::map<std::string, int> served;
      TestClient client(fleet.port());
      for (int i = 0; i < 8; ++i) {
        auto res = client.post("/v1/chat/completions", body);
        REQUIRE(res.status == 200);
        CHECK(res.body.find("data: [DONE]") != std::string::npos);
        ++served[res.header("x-switchyard-provider")];
      }
      std::size_t sluggish = fleet.fake("sluggish").hits() - sluggish_before;
      INFO("sluggish served " << sluggish << " of 8");
      CHECK(sluggish >= 1);  // explored once
      CHECK(sluggish <= 2);
      CHECK(served["quick"] >= 6);
      auto stats = explained(fleet, chat_json(model, extra), "quick").at("stats");
      auto slow_stats = explained(fleet, chat_json(model, extra), "sluggish").at("stats");
      CHECK(stats.at("tokens_per_second_p50").to_number<double>() >
            slow_stats.at("tokens_per_second_p50").to_number<double>());
    }
  }

  TEST_CASE("the circuit breaker opens, skips the endpoint, then one probe closes it") {
    Setup s = cheap_and_dear("flaky", "steady", {"test/br"});
    s.breaker_failures = 2;
    s.breaker_cooldown = "1s";
    Fleet fleet(s);
    fleet.fake("flaky").set_handler(error_handler(500));
    std::string body = chat_json("test/br");

    // Two failures, each served by the fallback.
    for (int i = 0; i < 2; ++i) {
      auto res = post_chat(fleet.port(), body);
      REQUIRE(res.status == 200);
      CHECK(res.header("x-switchyard-provider") == "steady");
      CHECK(res.header("x-switchyard-attempts") == "2");
    }
    auto opened = Clock::now();
    CHECK(fleet.fake("flaky").hits() == 2);

    // Open: skipped, requests succeed on the first attempt elsewhere.
    for (int i = 0; i < 4; ++i) {
      auto res = post_chat(fleet.port(), body);
      REQUIRE(res.status == 200);
      CHECK(res.header("x-switchyard-provider") == "steady");
      CHECK(res.header("x-switchyard-attempts") == "1");
    }
    CHECK(fleet.fake("flaky").hits() == 2);
    auto item = explained(fleet, body, "flaky");
    CHECK_FALSE(kept(item));
    CHECK(item["removed_by"] == "circuit");
    CHECK(str(item["reason"]).find("circuit open") != std::string::npos);

    // After the cooldown the planner lets it back in (half-open) and one
    // probe goes through; its success closes the circuit.
    fleet.fake("flaky").set_handler(openai_handler());
    REQUIRE(wait_until([&] { return kept(explained(fleet, body, "flaky")); }, 3s));
    CHECK(millis_since(opened) >= 900);
    CHECK(fleet.fake("flaky").hits() == 2);
    auto probe = post_chat(fleet.port(), body);
    REQUIRE(probe.status == 200);
    CHECK(probe.header("x-switchyard-provider") == "flaky");
    CHECK(probe.header("x-switchyard-attempts") == "1");
    for (int i = 0; i < 3; ++i) {
      auto res = post_chat(fleet.port(), body);
      REQUIRE(res.status == 200);
      CHECK(res.header("x-switchyard-provider") == "flaky");
    }
    CHECK(fleet.fake("flaky").hits() == 6);
  }

  TEST_CASE("a failed probe opens the circuit again") {
    Setup s = cheap_and_dear("flaky", "steady", {"test/br"});
    s.breaker_failures = 2;
    s.breaker_cooldown = "1s";
    Fleet fleet(s);
    fleet.fake("flaky").set_handler(error_handler(502));
    std::string body = chat_json("test/br");
    for (int i = 0; i < 2; ++i) REQUIRE(post_chat(fleet.port(), body).status == 200);
    REQUIRE(fleet.fake("flaky").hits() == 2);

    REQUIRE(wait_until([&] { return kept(explained(fleet, body, "flaky")); }, 3s));
    auto res = post_chat(fleet.port(), body);  // the probe fails, steady serves
    REQUIRE(res.status == 200);
    CHECK(res.header("x-switchyard-attempts") == "2");
    CHECK(fleet.fake("flaky").hits() == 3);
    // One failure is enough to open it again: no second probe right away.
    for (int i = 0; i < 3; ++i) REQUIRE(post_chat(fleet.port(), body).status == 200);
    CHECK(fleet.fake("flaky").hits() == 3);
    CHECK(explained(fleet, body, "flaky")["removed_by"] == "circuit");
  }

  TEST_CASE("Retry-After cools an endpoint down; all cooling down is a 429 with Retry-After") {
    Setup s = cheap_and_dear("limited", "backup", {"test/ra"});
    s.providers.push_back({.name = "solo"});
    s.models.push_back({.id = "test/solo", .endpoints = {{.provider = "solo"}}});
    Fleet fleet(s);
    fleet.fake("limited").set_handler(error_handler(429, {{"Retry-After", "2"}}));
    std::string body = chat_json("test/ra");

    auto first = post_chat(fleet.port(), body);
    auto limited_at = Clock::now();
    REQUIRE(first.status == 200);
    CHECK(first.header("x-switchyard-provider") == "backup");
    CHECK(first.header("x-switchyard-attempts") == "2");
    REQUIRE(fleet.fake("limited").hits() == 1);

    // For most of the two seconds, the fallback serves alone.
    fleet.fake("limited").set_handler(openai_handler());
    int served = 0;
    while (millis_since(limited_at) < 1500) {
      auto res = post_chat(fleet.port(), body);
      REQUIRE(res.status == 200);
      CHECK(res.header("x-switchyard-provider") == "backup");
      ++served;
      std::this_thread::sleep_for(50ms);  // pacing, not synchronisation
    }
    CHECK(served >= 5);
    CHECK(fleet.fake("limited").hits() == 1);
    auto item = explained(fleet, body, "limited");
    CHECK(item["removed_by"] == "cooldown");

    // Then it is back.
    REQUIRE(wait_until([&] { return kept(explained(fleet, body, "limited")); }, 3s));
    double waited = millis_since(limited_at);
    CHECK(waited >= 1700);
    CHECK(waited <= 3500);
    auto back = post_chat(fleet.port(), body);
    REQUIRE(back.status == 200);
    CHECK(back.header("x-switchyard-provider") == "limited");
    CHECK(fleet.fake("limited").hits() == 2);

    // A model with a single endpoint: the 429 is passed on with its
    // Retry-After, then the gateway answers 429 itself without asking.
    fleet.fake("solo").set_handler(error_handler(429, {{"Retry-After", "2"}}));
    auto upstream_429 = post_chat(fleet.port(), chat_json("test/solo"));
    check_error(upstream_429, 429, "");
    CHECK(upstream_429.header("retry-after") == "2");
    CHECK(fleet.fake("solo").hits() == 1);
    auto cooling = post_chat(fleet.port(), chat_json("test/solo"));
    check_error(cooling, 429, "all_endpoints_cooling_down");
    std::string retry_after = cooling.header("retry-after");
    REQUIRE_FALSE(retry_after.empty());
    CHECK(std::stoi(retry_after) >= 1);
    CHECK(std::stoi(retry_after) <= 2);
    CHECK(cooling.header("x-should-retry") != "false");
    CHECK(fleet.fake("solo").hits() == 1);
  }

  TEST_CASE(":floor and sort=price pick the cheapest; max_price excludes the expensive") {
    Setup s;
    s.providers = {{.name = "near"}, {.name = "cheap"}, {.name = "dear"}};
    s.models = {
        {.id = "test/price",
         .endpoints = {{.provider = "near", .prompt_price = "1.02", .completion_price = "1.02"},
                       {.provider = "cheap", .prompt_price = "1", .completion_price = "1"},
                       {.provider = "dear", .prompt_price = "10", .completion_price = "20"}}}};
    Fleet fleet(s);
    auto& cheap = fleet.fake("cheap");
    auto& near = fleet.fake("near");
    auto& dear = fleet.fake("dear");

    for (const std::string& body : {chat_json("test/price:floor"),
                                    chat_json("test/price", {{"provider", {{"sort", "price"}}}})}) {
      INFO("request " << body);
      for (int i = 0; i < 6; ++i) {
        auto res = post_chat(fleet.port(), body);
        REQUIRE(res.status == 200);
        CHECK(res.header("x-switchyard-provider") == "cheap");
        CHECK(res.header("x-switchyard-model") == "test/price");
      }
    }
    CHECK(cheap.hits() == 12);
    CHECK(near.hits() == 0);

    // The default order spreads load across near-equal prices (within 5%).
    for (int i = 0; i < 20; ++i)
      REQUIRE(post_chat(fleet.port(), chat_json("test/price")).status == 200);
    CHECK(cheap.hits() > 12);
    CHECK(near.hits() > 0);
    CHECK(dear.hits() == 0);

    // max_price drops the dear one even when provider.order asks for it.
    json::object capped{
        {"provider",
         {{"order", json::array{"dear"}}, {"max_price", {{"prompt", 5}, {"completion", 5}}}}}};
    auto res = post_chat(fleet.port(), chat_json("test/price", capped));
    REQUIRE(res.status == 200);
    CHECK(res.header("x-switchyard-provider") != "dear");
    CHECK(dear.hits() == 0);

    // Nothing under the price: an error naming the ceiling, nobody contacted.
    std::size_t before = fleet.total_hits();
    auto none = post_chat(
        fleet.port(), chat_json("test/price", {{"provider", {{"max_price", {{"prompt", 0.5}}}}}}));
    auto error = check_error(none, 400, "invalid_request");
    CHECK(str(error.at("message")).find("max") != std::string::npos);
    CHECK(str(error.at("param")) == "provider.max_price");
    CHECK(none.header("x-should-retry") == "false");
    CHECK(fleet.total_hits() == before);

    // Control: without the ceiling provider.order is obeyed.
    auto ordered = post_chat(
        fleet.port(), chat_json("test/price", {{"provider", {{"order", json::array{"dear"}}}}}));
    REQUIRE(ordered.status == 200);
    CHECK(ordered.header("x-switchyard-provider") == "dear");
  }

  TEST_CASE("models falls back in order when the first model's endpoint fails") {
    Setup s;
    s.providers = {{.name = "broken"}, {.name = "good"}};
    s.models = {{.id = "test/first", .endpoints = {{.provider = "broken"}}},
                {.id = "test/second", .endpoints = {{.provider = "good"}}}};
    Fleet fleet(s);
    fleet.fake("broken").set_handler(error_handler(500));

    for (const std::string& body :
         {chat_json("test/first", {{"models", json::array{"test/second"}}}),
          // OpenRouter's form: the list alone, its first entry is the model.
          chat_json("", {{"models", json::array{"test/first", "test/second"}}})}) {
      INFO("request " << body);
      std::size_t broken_before = fleet.fake("broken").hits();
      auto res = post_chat(fleet.port(), body);
      REQUIRE(res.status == 200);
      CHECK(res.header("x-switchyard-model") == "test/second");
      CHECK(res.header("x-switchyard-provider") == "good");
      CHECK(res.header("x-switchyard-attempts") == "2");
      CHECK(fleet.fake("broken").hits() == broken_before + 1);
      auto up = fleet.fake("good").last_request();
      REQUIRE(up);
      auto up_body = up->json();
      CHECK(up_body.at("model") == "good-model");
      CHECK_FALSE(up_body.as_object().contains("models"));
    }
    CHECK(fleet.fake("good").hits() == 2);
  }

  TEST_CASE("allow_fallbacks: false makes one attempt only") {
    Fleet fleet(cheap_and_dear("broken", "good", {"test/pair"}));
    fleet.fake("broken").set_handler(error_handler(500));

    auto res = post_chat(fleet.port(),
                         chat_json("test/pair", {{"provider", {{"allow_fallbacks", false}}}}));
    check_error(res, 502, "");
    CHECK(fleet.fake("broken").hits() == 1);
    CHECK(fleet.fake("good").hits() == 0);

    // The same request with fallbacks allowed is served by the second.
    auto ok = post_chat(fleet.port(), chat_json("test/pair"));
    REQUIRE(ok.status == 200);
    CHECK(ok.header("x-switchyard-provider") == "good");
    CHECK(ok.header("x-switchyard-attempts") == "2");
    CHECK(fleet.fake("broken").hits() == 2);
  }
}
