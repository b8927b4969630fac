// GET /metrics after known traffic, and the usage log (one JSON line per
// request).
#include <cmath>
#include <map>
#include <set>

#include "tests/integration/prom_text.hpp"
#include "tests/integration/stack.hpp"

using namespace itest;
namespace json = boost::json;

TEST_SUITE("metrics") {
  TEST_CASE("/metrics counts requests, tokens and cost by model") {
    Stack stack(openai_handler({.pieces = {"Hello"}, .usage = {10, 5}}));
    auto client = stack.client();
    for (int i = 0; i < 3; ++i) {
      REQUIRE(client.post("/v1/chat/completions", chat_body()).status == 200);
    }
    const Labels ok{{"model", "test/alpha"}, {"outcome", "ok"}};
    HttpResponse res;
    // Accounting may finish just after the response: poll for it.
    bool counted = wait_until(
        [&] {
          res = client.get("/metrics");
          return metric_sum(res.body, "switchyard_requests_total", ok).sum >= 3;
        },
        3s);
    INFO("metrics:\n" << res.body);
    CHECK(counted);
    CHECK(res.status == 200);
    CHECK(res.header("content-type").starts_with("text/plain"));
    int bad_lines = 0;
    parse_prometheus(res.body, &bad_lines);
    CHECK(bad_lines == 0);

    CHECK(metric_sum(res.body, "switchyard_requests_total", ok).sum == 3);
    CHECK(metric_sum(res.body, "switchyard_requests_total",
                     {{"model", "test/alpha"},
                      {"family", "llama"},
                      {"origin", "US"},
                      {"provider", "fake-a"}})
              .sum == 3);
    const Labels alpha{{"model", "test/alpha"}};
    CHECK(metric_sum(res.body, "switchyard_prompt_tokens_total", alpha).sum == 30);
    CHECK(metric_sum(res.body, "switchyard_completion_tokens_total", alpha).sum == 15);
    auto cost = metric_sum(res.body, "switchyard_cost_usd_total", alpha);
    CHECK(cost.samples >= 1);
    CHECK(std::abs(cost.sum - (30 * 1.5 + 15 * 2) / 1e6) < 1e-12);
    // The provider key never becomes a label or a value.
    CHECK(res.body.find(kProviderKey) == std::string::npos);
  }

  TEST_CASE("failed requests are counted with their outcome, not as ok") {
    Stack stack([](const RecordedRequest&) {
      return Response::json(openai_error("boom", "server_error", "internal"), 500);
    });
    auto client = stack.client();
    REQUIRE(client.post("/v1/chat/completions", chat_body()).status == 502);
    HttpResponse res;
    CHECK(wait_until(
        [&] {
          res = client.get("/metrics");
          return metric_sum(res.body, "switchyard_requests_total", {{"model", "test/alpha"}}).sum >=
                 1;
        },
        3s));
    INFO("metrics:\n" << res.body);
    CHECK(metric_sum(res.body, "switchyard_requests_total", {{"outcome", "ok"}}).sum == 0);
    CHECK(metric_sum(res.body, "switchyard_prompt_tokens_total", {{"model", "test/alpha"}}).sum ==
          0);
  }

  TEST_CASE("the usage log has exactly one JSON line per request") {
    Stack stack(openai_handler({.pieces = {"Hello"}, .usage = {10, 5}}));
    auto client = stack.client();
    std::set<std::string> ids;
    for (int i = 0; i < 3; ++i) {
      auto res = client.post("/v1/chat/completions", chat_body());
      REQUIRE(res.status == 200);
      ids.insert(res.header("x-request-id"));
    }
    client.send_request("POST", "/v1/chat/completions", chat_body("test/alpha", true));
    auto head = client.read_response_head();
    REQUIRE(head.status == 200);
    ids.insert(head.header("x-request-id"));
    while (client.next_event()) {
    }
    REQUIRE(client.body_complete());
    auto missing = client.post("/v1/chat/completions", chat_body("nobody/nothing"));
    REQUIRE(missing.status == 404);
    std::string missing_id = missing.header("x-request-id");
    ids.insert(missing_id);
    REQUIRE(ids.size() == 5);

    const std::string path = stack.gateway.usage_log_path();
    CHECK(wait_until([&] { return read_lines(path).size() >= 5; }, 3s));
    auto lines = read_lines(path);
    REQUIRE(lines.size() == 5);
    std::set<std::string> logged;
    for (const auto& line : lines) {
      INFO("usage line: " << line);
      boost::system::error_code ec;
      auto value = json::parse(line, ec);
      REQUIRE_FALSE(ec);
      REQUIRE(value.is_object());
      auto& record = value.as_object();
      for (const char* field :
           {"request_id", "outcome", "prompt_tokens", "completion_tokens", "cost_picousd"}) {
        CHECK(record.contains(field));
      }
      std::string id = str(record.at("request_id"));
      logged.insert(id);
      if (id == missing_id) {
        CHECK(str(record.at("outcome")) != "ok");
        CHECK(record.at("prompt_tokens") == 0);
        CHECK(record.at("cost_picousd") == 0);
      } else {
        CHECK(str(record.at("outcome")) == "ok");
        CHECK(record.at("prompt_tokens") == 10);
        CHECK(record.at("completion_tokens") == 5);
        // 10 * 1.5e-6 + 5 * 2e-6 USD = 25e-6 USD = 25,000,000 picodollars
        CHECK(record.at("cost_picousd").to_number<std::int64_t>() == 25'000'000);
      }
    }
    CHECK(logged == ids);
  }
}
