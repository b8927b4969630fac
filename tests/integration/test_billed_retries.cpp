// Attempts that may have been billed are not sent again; upstream refusals
// about the operator's credentials or catalog fall back and end as a 502
// naming the provider.
#include <doctest/doctest.h>

#include "tests/integration/flow_support.hpp"
#include "tests/integration/routing_support.hpp"
#include "tests/integration/stack.hpp"

using namespace itest;
using namespace itest::routing;
namespace json = boost::json;

namespace {

// One model with an endpoint on each provider; `first` is the cheaper one,
// so it is tried first.
Setup two_endpoints(const std::string& first, const std::string& second) {
  Setup setup;
  setup.providers = {{.name = first}, {.name = second}};
  setup.models = {
      {.id = "test/llama",
       .endpoints = {{.provider = first, .prompt_price = "1", .completion_price = "1"},
                     {.provider = second, .prompt_price = "5", .completion_price = "5"}}}};
  return setup;
}

json::object last_record(const GatewayProcess& gateway) {
  std::string log = gateway.usage_log_path();
  CHECK(wait_until([&] { return !usage_records(log).empty(); }, 5s));
  auto records = usage_records(log);
  REQUIRE_FALSE(records.empty());
  return records.back();
}

}  // namespace

TEST_SUITE("billed retries") {
  TEST_CASE("a generation past the response deadline is sent once, marked not to retry") {
    Setup setup = two_endpoints("slow-a", "slow-b");
    setup.providers[0].response = "1s";
    setup.providers[1].response = "1s";
    Fleet fleet(setup);
    fleet.fake("slow-a").set_handler([](const RecordedRequest&) { return Response::silence(); });
    fleet.fake("slow-b").set_handler([](const RecordedRequest&) { return Response::silence(); });

    auto res = post_chat(fleet.port(), chat_json("test/llama"));
    check_error(res, 504, "upstream_timeout");
    CHECK(res.header("x-should-retry") == "false");
    CHECK(res.header("x-switchyard-provider") == "slow-a");
    CHECK(fleet.fake("slow-a").hits() == 1);
    CHECK(fleet.fake("slow-b").hits() == 0);

    json::object record = last_record(fleet.gateway());
    const json::array& attempts = record.at("attempts").as_array();
    REQUIRE(attempts.size() == 1);
    CHECK(str(attempts[0].at("provider")) == "slow-a");
    CHECK(str(attempts[0].at("outcome")) == "timeout");
    CHECK(attempts[0].at("may_have_billed").as_bool());
  }

  TEST_CASE("first_byte no longer bounds a non-streamed generation") {
    Setup setup = two_endpoints("thinker", "spare");
    setup.providers[0].first_byte = "300ms";
    Fleet fleet(setup);
    fleet.fake("thinker").set_handler(delayed_handler(1200ms));
    auto res = post_chat(fleet.port(), chat_json("test/llama"));
    CHECK(res.status == 200);
    CHECK(res.header("x-switchyard-provider") == "thinker");
    CHECK(fleet.fake("spare").hits() == 0);
  }

  TEST_CASE("the operator may allow retrying a possibly billed attempt") {
    Setup setup = two_endpoints("slow-a", "fast-b");
    setup.providers[0].response = "500ms";
    setup.routing_yaml = "    retry_possibly_billed: true\n";
    Fleet fleet(setup);
    fleet.fake("slow-a").set_handler([](const RecordedRequest&) { return Response::silence(); });
    auto res = post_chat(fleet.port(), chat_json("test/llama"));
    CHECK(res.status == 200);
    CHECK(res.header("x-switchyard-provider") == "fast-b");
    CHECK(fleet.fake("slow-a").hits() == 1);
  }

  TEST_CASE("a refused connection still falls back: nothing reached an upstream") {
    FakeUpstream live(openai_handler());
    Setup setup = two_endpoints("dead", "live");
    std::string dead_url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/v1";
    GatewayProcess gateway(render(setup, {{"dead", dead_url}, {"live", live.base_url()}}));
    auto res = post_chat(gateway.port(), chat_json("test/llama"));
    CHECK(res.status == 200);
    CHECK(res.header("x-switchyard-provider") == "live");
    json::object record = last_record(gateway);
    const json::array& attempts = record.at("attempts").as_array();
    REQUIRE(attempts.size() == 2);
    CHECK_FALSE(attempts[0].at("may_have_billed").as_bool());
  }

  TEST_CASE("an upstream 401 or 404 falls back to the next endpoint") {
    for (int status : {401, 403, 404}) {
      CAPTURE(status);
      Fleet fleet(two_endpoints("badkey", "good"));
      fleet.fake("badkey").set_handler(error_handler(status));
      auto res = post_chat(fleet.port(), chat_json("test/llama"));
      CHECK(res.status == 200);
      CHECK(res.header("x-switchyard-provider") == "good");
      CHECK(fleet.fake("badkey").hits() == 1);
    }
  }

  TEST_CASE("upstream 401s everywhere: a 502 naming the provider, in both dialects") {
    Fleet fleet(two_endpoints("badkey", "nomodel"));
    fleet.fake("badkey").set_handler(error_handler(401));
    fleet.fake("nomodel").set_handler(error_handler(404));
    auto res = post_chat(fleet.port(), chat_json("test/llama"));
    auto error = check_error(res, 502, "bad_gateway");
    CHECK(str(error.at("message")).find("provider 'nomodel'") != std::string::npos);
    CHECK(str(error.at("message")).find("404") != std::string::npos);
    CHECK(res.header("x-switchyard-provider") == "nomodel");
    CHECK(fleet.fake("badkey").hits() == 1);
    CHECK(fleet.fake("nomodel").hits() == 1);

    TestClient client(fleet.port());
    auto anthropic = client.post("/v1/messages",
                                 R"({"model":"test/llama","max_tokens":20,)"
                                 R"("messages":[{"role":"user","content":"Hi"}]})",
                                 {{"anthropic-version", "2023-06-01"}});
    CHECK(anthropic.status == 502);
    CHECK(anthropic.header("x-switchyard-provider") == "nomodel");
    json::value body = json::parse(anthropic.body);
    CHECK(str(body.at("type")) == "error");
    CHECK(str(body.at("error").at("message")).find("provider 'nomodel'") != std::string::npos);
  }

  TEST_CASE("upstream 401s count toward the breaker") {
    Setup setup = two_endpoints("badkey", "good");
    setup.breaker_failures = 2;
    Fleet fleet(setup);
    fleet.fake("badkey").set_handler(error_handler(401));
    for (int i = 0; i < 4; ++i)
      CHECK(post_chat(fleet.port(), chat_json("test/llama")).status == 200);
    CHECK(fleet.fake("badkey").hits() == 2);  // then its circuit is open
  }
}

TEST_SUITE("preference errors") {
  TEST_CASE("preferences that rule out every endpoint are a 400 naming the field, nobody called") {
    Fleet fleet(two_endpoints("one", "two"));
    auto res =
        post_chat(fleet.port(),
                  chat_json("test/llama", {{"provider", {{"ignore", json::array{"one", "two"}}}}}));
    auto error = check_error(res, 400, "invalid_request");
    CHECK(str(error.at("param")) == "provider.ignore");
    CHECK(res.header("x-should-retry") == "false");
    CHECK(fleet.total_hits() == 0);
  }

  TEST_CASE("an unknown provider in provider.only is a 400 naming it") {
    Fleet fleet(two_endpoints("one", "two"));
    auto res = post_chat(fleet.port(),
                         chat_json("test/llama", {{"provider", {{"only", json::array{"onee"}}}}}));
    auto error = check_error(res, 400, "invalid_request");
    CHECK(str(error.at("param")) == "provider.only");
    CHECK(str(error.at("message")).find("'onee'") != std::string::npos);
    CHECK(fleet.total_hits() == 0);
  }
}
