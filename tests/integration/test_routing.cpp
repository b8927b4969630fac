// Routing through the real gateway, provenance side: key policies that deny
// an origin (never contacted, not even on fallback), 401 for missing or wrong
// keys, request provenance and preference validation, the explain route
// (POST /v1/route) and the routing response headers.
#include <cmath>

#include "tests/integration/routing_support.hpp"
#include "tests/integration/stack.hpp"

using namespace itest;
using namespace itest::routing;
namespace json = boost::json;

namespace {

constexpr const char* kTeamToken = "sy-team-a-token-0001";    // policy no-cn-remote
constexpr const char* kStrictToken = "sy-strict-token-0002";  // policy no-cn
constexpr const char* kAdminToken = "sy-admin-token-0003";    // no policy

// A CN-origin model served remotely in CN (the cheapest), by two local
// servers, and remotely in the EU; a CN model only the CN cloud serves; a US
// model. Key team-a may use CN-origin weights only when self-hosted.
Setup provenance_setup() {
  Setup s;
  s.providers = {{.name = "cn-remote", .location = "remote", .jurisdiction = "CN"},
                 {.name = "us-local", .location = "local", .jurisdiction = "on-prem"},
                 {.name = "lab-local", .location = "local", .jurisdiction = "on-prem"},
                 {.name = "eu-remote", .location = "remote", .jurisdiction = "FR"}};
  s.models = {
      {.id = "test/qwen",
       .family = "qwen",
       .author = "Alibaba",
       .origin = "CN",
       .endpoints = {{.provider = "cn-remote", .prompt_price = "0.1", .completion_price = "0.2"},
                     {.provider = "us-local", .prompt_price = "1", .completion_price = "1"},
                     {.provider = "lab-local", .prompt_price = "2", .completion_price = "2"},
                     {.provider = "eu-remote", .prompt_price = "3", .completion_price = "4"}}},
      {.id = "test/cn-cloud",
       .family = "qwen",
       .author = "Alibaba",
       .origin = "CN",
       .endpoints = {{.provider = "cn-remote"}}},
      {.id = "test/llama", .endpoints = {{.provider = "us-local"}, {.provider = "eu-remote"}}},
  };
  s.policies_yaml =
      "  - name: no-cn-remote\n"
      "    deny: [ { origin: CN, hosting: remote } ]\n"
      "  - name: no-cn\n"
      "    deny: [ { origin: CN } ]\n";
  s.keys = {{"team-a", kTeamToken, "no-cn-remote"},
            {"strict", kStrictToken, "no-cn"},
            {"admin", kAdminToken, ""}};
  return s;
}

json::value parse(const HttpResponse& res) {
  INFO("body: " << res.body);
  REQUIRE(res.header("content-type").starts_with("application/json"));
  return res.json();
}

double usd(const json::value& v) {
  REQUIRE(v.is_string());  // exact decimal strings, never floats
  return std::stod(std::string(v.as_string()));
}

}  // namespace

TEST_SUITE("routing") {
  TEST_CASE("a denied origin is never contacted, not even when every allowed endpoint fails") {
    Fleet fleet(provenance_setup());
    fleet.fake("us-local").set_handler(error_handler(500));
    fleet.fake("lab-local").set_handler(error_handler(503));

    // Allowed: the two local servers. Denied (CN origin, remote): the CN
    // cloud, the cheapest, and the EU cloud, which max_attempts (3) would
    // otherwise reach as a third attempt.
    auto res = post_chat(fleet.port(), chat_json("test/qwen"), kTeamToken);
    check_error(res, 502, "");
    CHECK(fleet.fake("us-local").hits() == 1);
    CHECK(fleet.fake("lab-local").hits() == 1);
    CHECK(fleet.fake("cn-remote").hits() == 0);
    CHECK(fleet.fake("eu-remote").hits() == 0);

    // Streamed, the same: a denied endpoint is not a fallback either.
    auto streamed = post_chat(fleet.port(), chat_json("test/qwen", {{"stream", true}}), kTeamToken);
    CHECK(streamed.status == 502);
    CHECK(fleet.fake("us-local").hits() == 2);
    CHECK(fleet.fake("cn-remote").hits() == 0);
    CHECK(fleet.fake("eu-remote").hits() == 0);

    // The denied upstreams work: a key without that policy is served by them
    // (the CN cloud is the cheapest), so the zeros above are the policy's doing.
    auto admin = post_chat(fleet.port(), chat_json("test/qwen"), kAdminToken);
    REQUIRE(admin.status == 200);
    CHECK(admin.header("x-switchyard-provider") == "cn-remote");
    CHECK(fleet.fake("cn-remote").hits() == 1);
  }

  TEST_CASE("a model whose every endpoint is denied is 403 naming the key's policy") {
    Fleet fleet(provenance_setup());

    auto res = post_chat(fleet.port(), chat_json("test/cn-cloud"), kTeamToken);
    auto error = check_error(res, 403, "policy_denied");
    std::string message = str(error.at("message"));
    CHECK(message.find("no-cn-remote") != std::string::npos);
    CHECK(message.find("test/cn-cloud") != std::string::npos);
    CHECK(res.header("x-should-retry") == "false");
    CHECK_FALSE(res.header("x-request-id").empty());
    CHECK(fleet.fake("cn-remote").hits() == 0);

    // Another key, another policy: the message names that one, not team-a's.
    auto strict = post_chat(fleet.port(), chat_json("test/qwen"), kStrictToken);
    auto strict_error = check_error(strict, 403, "policy_denied");
    std::string strict_message = str(strict_error.at("message"));
    CHECK(strict_message.find("'no-cn'") != std::string::npos);
    CHECK(strict_message.find("no-cn-remote") == std::string::npos);
    CHECK(strict_message.find("team-a") == std::string::npos);
    CHECK(strict.header("x-should-retry") == "false");
    CHECK(fleet.total_hits() == 0);
  }

  TEST_CASE("without a valid key: 401, the same body for missing, unknown and wrong keys") {
    Fleet fleet(provenance_setup());
    std::string body = chat_json("test/llama");

    auto missing = post_chat(fleet.port(), body);
    check_error(missing, 401, "");
    CHECK(missing.header("x-should-retry") == "false");

    auto unknown = post_chat(fleet.port(), body, "sy-nobody-has-this-token");
    check_error(unknown, 401, "");
    // One character off a real token.
    std::string near_miss = kTeamToken;
    near_miss.back() = '2';
    auto wrong = post_chat(fleet.port(), body, near_miss);
    check_error(wrong, 401, "");
    TestClient client(fleet.port());
    auto wrong_header = client.post("/v1/chat/completions", body, {{"x-api-key", "sy-wrong"}});
    check_error(wrong_header, 401, "");

    CHECK(missing.body == unknown.body);
    CHECK(unknown.body == wrong.body);
    CHECK(wrong.body == wrong_header.body);
    for (const auto* res : {&missing, &unknown, &wrong, &wrong_header}) {
      CHECK(res->body.find("sy-") == std::string::npos);  // no token echoed
      CHECK(res->header("www-authenticate").starts_with("Bearer"));
    }
    // The explain route is behind the key too.
    CHECK(post_route(fleet.port(), body).status == 401);
    CHECK(fleet.total_hits() == 0);

    // The same request with a good key goes through.
    auto ok = post_chat(fleet.port(), body, kTeamToken);
    CHECK(ok.status == 200);
  }

  TEST_CASE("an unknown field or a wrong type in provider or provenance is a 400 naming it") {
    Fleet fleet(provenance_setup());
    struct Case {
      json::object extra;
      std::string field;
    };
    std::vector<Case> cases = {
        {{{"provider", {{"sortt", "price"}}}}, "provider.sortt"},
        {{{"provider", {{"sort", 5}}}}, "provider.sort"},
        {{{"provider", {{"sort", "fastest"}}}}, "provider.sort"},
        {{{"provider", {{"allow_fallbacks", "no"}}}}, "provider.allow_fallbacks"},
        {{{"provider", {{"order", "us-local"}}}}, "provider.order"},
        {{{"provider", {{"max_price", {{"prompt", "cheap"}}}}}}, "provider.max_price.prompt"},
        {{{"provider", {{"max_price", {{"input", 1}}}}}}, "provider.max_price.input"},
        {{{"provider", "us-local"}}, "provider"},
        {{{"provenance", {{"planet", "mars"}}}}, "provenance.planet"},
        {{{"provenance", {{"hosting", 1}}}}, "provenance.hosting"},
        {{{"provenance", {{"hosting", "moon"}}}}, "provenance.hosting"},
        {{{"provenance", {{"deny", {{"origin", "CN"}}}}}}, "provenance.deny"},
        {{{"provenance", {{"allow", json::array{{{"weights", true}}}}}}},
         "provenance.allow[0].weights"},
    };
    for (const Case& c : cases) {
      std::string body = chat_json("test/llama", c.extra);
      INFO("request: " << body);
      auto res = post_chat(fleet.port(), body, kAdminToken);
      auto error = check_error(res, 400, "");
      CHECK(str(error.at("param")) == c.field);
      CHECK(str(error.at("message")).find(c.field) != std::string::npos);
      CHECK(res.header("x-should-retry") == "false");
    }
    CHECK(fleet.total_hits() == 0);
  }

  TEST_CASE("request provenance {hosting: local} restricts to local endpoints") {
    Fleet fleet(provenance_setup());
    std::string body = chat_json("test/qwen", {{"provenance", {{"hosting", "local"}}}});
    for (int i = 0; i < 4; ++i) {
      auto res = post_chat(fleet.port(), body, kAdminToken);
      REQUIRE(res.status == 200);
      CHECK(res.header("x-switchyard-provider") == "us-local");  // the cheaper local one
    }
    CHECK(fleet.fake("us-local").hits() == 4);

    // The cheap local one fails: the fallback is the other local one.
    fleet.fake("us-local").set_handler(error_handler(500));
    auto fallback = post_chat(fleet.port(), body, kAdminToken);
    REQUIRE(fallback.status == 200);
    CHECK(fallback.header("x-switchyard-provider") == "lab-local");
    CHECK(fallback.header("x-switchyard-attempts") == "2");
    // Both fail: no remote fallback, the request's rule holds.
    fleet.fake("lab-local").set_handler(error_handler(500));
    auto failed = post_chat(fleet.port(), body, kAdminToken);
    CHECK(failed.status == 502);
    CHECK(fleet.fake("cn-remote").hits() == 0);
    CHECK(fleet.fake("eu-remote").hits() == 0);

    // A flat rule that nothing matches: no endpoint, nothing contacted.
    auto none =
        post_chat(fleet.port(), chat_json("test/qwen", {{"provenance", {{"jurisdiction", "JP"}}}}),
                  kAdminToken);
    CHECK(none.status >= 400);
    CHECK(fleet.fake("cn-remote").hits() == 0);
    CHECK(fleet.fake("eu-remote").hits() == 0);
  }

  TEST_CASE("provider.order naming a key-denied provider does not bring it back") {
    Fleet fleet(provenance_setup());
    json::object extra{{"provider", {{"order", json::array{"cn-remote"}}}}};
    for (int i = 0; i < 3; ++i) {
      auto res = post_chat(fleet.port(), chat_json("test/qwen", extra), kTeamToken);
      REQUIRE(res.status == 200);
      CHECK(res.header("x-switchyard-provider") != "cn-remote");
    }
    // provider.only naming just the denied one leaves nothing.
    json::object only{{"provider", {{"only", json::array{"cn-remote"}}}}};
    auto res = post_chat(fleet.port(), chat_json("test/qwen", only), kTeamToken);
    CHECK(res.status >= 400);
    CHECK(fleet.fake("cn-remote").hits() == 0);

    // Without the policy the same order is obeyed: cn-remote first.
    auto admin = post_chat(fleet.port(), chat_json("test/qwen", extra), kAdminToken);
    REQUIRE(admin.status == 200);
    CHECK(admin.header("x-switchyard-provider") == "cn-remote");
  }

  TEST_CASE("POST /v1/route explains the plan and the full trace, contacting nothing") {
    Fleet fleet(provenance_setup());
    std::string body = chat_json("test/qwen", {{"max_tokens", 100}});

    auto res = post_route(fleet.port(), body, kAdminToken);
    REQUIRE(res.status == 200);
    auto plan = parse(res);
    CHECK(plan.at("model") == "test/qwen");
    CHECK_FALSE(plan.as_object().contains("error"));
    auto prompt_tokens = plan.at("estimated_prompt_tokens").to_number<double>();
    CHECK(prompt_tokens > 0);

    // Every candidate, ranked cheapest first by estimated cost; the fourth is
    // beyond max_attempts (3).
    const auto& trace = plan.at("trace").as_array();
    REQUIRE(trace.size() == 4);
    struct Expect {
      const char* provider;
      double prompt, completion;  // USD per 1M
      int rank;                   // 0: not kept
    };
    for (const Expect& e : {Expect{"cn-remote", 0.1, 0.2, 1}, Expect{"us-local", 1, 1, 2},
                            Expect{"lab-local", 2, 2, 3}, Expect{"eu-remote", 3, 4, 0}}) {
      INFO("provider " << e.provider);
      const json::object* item = trace_item(plan, e.provider);
      REQUIRE(item != nullptr);
      CHECK(item->at("model") == "test/qwen");
      CHECK(item->at("kept") == (e.rank > 0));
      if (e.rank > 0) {
        CHECK(item->at("rank") == e.rank);
        CHECK_FALSE(item->contains("removed_by"));
      } else {
        CHECK_FALSE(item->contains("rank"));
        CHECK(item->at("removed_by") == "attempt_limit");
        CHECK(str(item->at("reason")).find("max_attempts") != std::string::npos);
      }
      double expected = (prompt_tokens * e.prompt + 100 * e.completion) / 1e6;
      CHECK(usd(item->at("estimated_cost_usd")) == doctest::Approx(expected).epsilon(1e-9));
    }
    const auto& attempts = plan.at("attempts").as_array();
    REQUIRE(attempts.size() == 3);
    CHECK(attempts.at(0).at("provider") == "cn-remote");
    CHECK(attempts.at(0).at("rank") == 1);
    CHECK(attempts.at(0).at("upstream_model") == "cn-remote-model");
    CHECK(attempts.at(1).at("provider") == "us-local");
    CHECK(attempts.at(2).at("provider") == "lab-local");
    CHECK(plan.at("policy_decisions").as_array().empty());

    // With the team key the trace shows the policy's removals and why.
    auto denied = parse(post_route(fleet.port(), body, kTeamToken));
    for (const char* provider : {"cn-remote", "eu-remote"}) {
      INFO("provider " << provider);
      const json::object* item = trace_item(denied, provider);
      REQUIRE(item != nullptr);
      CHECK(item->at("kept") == false);
      CHECK_FALSE(item->contains("rank"));
      CHECK(item->at("removed_by") == "key_policy:no-cn-remote");
      std::string reason = str(item->at("reason"));
      CHECK(reason.find("origin CN") != std::string::npos);
      CHECK(reason.find("hosting remote") != std::string::npos);
      CHECK(usd(item->at("estimated_cost_usd")) > 0);
    }
    CHECK(trace_item(denied, "us-local")->at("rank") == 1);
    CHECK(trace_item(denied, "lab-local")->at("rank") == 2);
    REQUIRE(denied.at("attempts").as_array().size() == 2);
    CHECK(denied.at("attempts").at(0).at("provider") == "us-local");
    CHECK(denied.at("attempts").at(1).at("provider") == "lab-local");
    const auto& decisions = denied.at("policy_decisions").as_array();
    REQUIRE(decisions.size() == 2);
    for (const auto& decision : decisions) {
      CHECK(str(decision).find("key_policy:no-cn-remote") != std::string::npos);
    }

    // A request the policy denies whole: the plan carries the 403 it would get.
    auto refused = parse(post_route(fleet.port(), chat_json("test/cn-cloud"), kTeamToken));
    REQUIRE(refused.as_object().contains("error"));
    CHECK(refused.at("error").at("code") == "policy_denied");
    CHECK(refused.at("error").at("status") == 403);
    CHECK(refused.at("attempts").as_array().empty());
    CHECK(trace_item(refused, "cn-remote")->at("removed_by") == "key_policy:no-cn-remote");

    // Request preferences show up as their own filters.
    auto narrowed = parse(
        post_route(fleet.port(),
                   chat_json("test/qwen", {{"provider", {{"ignore", json::array{"eu-remote"}}}},
                                           {"provenance", {{"hosting", "remote"}}}}),
                   kAdminToken));
    CHECK(trace_item(narrowed, "us-local")->at("removed_by") == "request.provenance");
    CHECK(trace_item(narrowed, "lab-local")->at("removed_by") == "request.provenance");
    CHECK(trace_item(narrowed, "eu-remote")->at("removed_by") == "request.ignore");
    CHECK(trace_item(narrowed, "cn-remote")->at("kept") == true);

    CHECK(fleet.total_hits() == 0);
  }

  TEST_CASE("routing headers on success; x-should-retry: false on errors a retry cannot fix") {
    Fleet fleet(provenance_setup());
    auto ok = post_chat(fleet.port(), chat_json("test/llama"), kTeamToken);
    REQUIRE(ok.status == 200);
    CHECK_FALSE(ok.header("x-request-id").empty());
    CHECK(ok.header("x-switchyard-model") == "test/llama");
    CHECK(ok.header("x-switchyard-attempts") == "1");
    std::string provider = ok.header("x-switchyard-provider");
    CHECK((provider == "us-local" || provider == "eu-remote"));
    CHECK(fleet.fake(provider).hits() == 1);
    CHECK_FALSE(ok.has_header("x-should-retry"));

    // Streamed answers carry them in the head.
    TestClient client(fleet.port());
    client.send_request("POST", "/v1/chat/completions", chat_json("test/llama", {{"stream", true}}),
                        bearer(kTeamToken));
    auto head = client.read_response_head();
    REQUIRE(head.status == 200);
    CHECK_FALSE(head.header("x-request-id").empty());
    CHECK(head.header("x-switchyard-model") == "test/llama");
    CHECK(head.header("x-switchyard-attempts") == "1");
    CHECK_FALSE(head.header("x-switchyard-provider").empty());
    while (client.next_event()) {
    }
    CHECK(client.body_complete());

    // 404: unknown model, suggesting the nearest catalog id.
    auto missing = post_chat(fleet.port(), chat_json("test/lama"), kTeamToken);
    auto error = check_error(missing, 404, "model_not_found");
    CHECK(str(error.at("message")).find("did you mean test/llama") != std::string::npos);
    CHECK(missing.header("x-should-retry") == "false");
    // 400: malformed body.
    auto bad = post_chat(fleet.port(), R"({"model":"test/llama","messages":)", kTeamToken);
    check_error(bad, 400, "");
    CHECK(bad.header("x-should-retry") == "false");
    // An upstream 400 is the request's fault: returned as is, not retried
    // elsewhere, and marked as not worth retrying.
    std::size_t before = fleet.total_hits();
    fleet.fake("us-local").set_handler(error_handler(400));
    fleet.fake("eu-remote").set_handler(error_handler(400));
    auto rejected = post_chat(fleet.port(), chat_json("test/llama"), kTeamToken);
    CHECK(rejected.status == 400);
    CHECK(rejected.header("x-should-retry") == "false");
    CHECK(fleet.total_hits() == before + 1);
    // A 502 after upstream failures may be retried: no such header.
    fleet.fake("us-local").set_handler(error_handler(500));
    fleet.fake("eu-remote").set_handler(error_handler(500));
    auto failed = post_chat(fleet.port(), chat_json("test/llama"), kTeamToken);
    CHECK(failed.status == 502);
    CHECK(failed.header("x-should-retry") != "false");
    CHECK_FALSE(failed.header("x-request-id").empty());
  }
}
