// The happy path of POST /v1/chat/completions (non-stream), the upstream
// request the gateway builds, upstream keep-alive, and the informational
// routes (/v1/models, /healthz, /readyz).
#include <set>

#include "tests/integration/stack.hpp"

using namespace itest;
namespace json = boost::json;

TEST_SUITE("proxy") {
  TEST_CASE("a non-stream request is forwarded with the upstream model and the provider key") {
    Stack stack;
    auto client = stack.client();
    json::object sent{
        {"model", "test/alpha"},
        {"messages", json::array{json::object{{"role", "system"}, {"content", "Be brief."}},
                                 json::object{{"role", "user"}, {"content", "Say hello"}}}},
        {"temperature", 0.25},
        {"max_tokens", 20}};
    auto res = client.post("/v1/chat/completions", json::serialize(sent),
                           {{"Authorization", "Bearer client-token-xyz"},
                            {"Connection", "keep-alive, X-Hop-Test"},
                            {"X-Hop-Test", "1"},
                            {"Keep-Alive", "timeout=5"},
                            {"TE", "trailers"},
                            {"Proxy-Authorization", "Basic Zm9vOmJhcg=="}});
    REQUIRE(res.status == 200);

    REQUIRE(stack.upstream.hits() == 1);
    auto up = *stack.upstream.last_request();
    CHECK(up.method == "POST");
    CHECK(up.target == "/v1/chat/completions");
    CHECK(header_count(up.headers, "authorization") == 1);
    CHECK(up.header("authorization") == std::string(kProviderBearer));
    for (const auto& header : up.headers) {
      const auto& [name, value] = header;
      INFO("upstream header " << header.first << ": " << header.second);
      CHECK(value.find("client-token-xyz") == std::string::npos);
    }
    CHECK_FALSE(up.has_header("x-hop-test"));
    CHECK_FALSE(up.has_header("keep-alive"));
    CHECK_FALSE(up.has_header("te"));
    CHECK_FALSE(up.has_header("proxy-authorization"));
    auto up_body = up.json();
    REQUIRE(up_body.is_object());
    CHECK(up_body.at("model") == "alpha-upstream");
    CHECK(up_body.at("messages") == sent.at("messages"));
    CHECK(up_body.at("temperature").to_number<double>() == doctest::Approx(0.25));
    CHECK(up_body.at("max_tokens") == 20);

    auto body = res.json();
    CHECK(body.at("object") == "chat.completion");
    CHECK(body.at("choices").at(0).at("message").at("content") == "Hello");
    auto& usage = body.at("usage").as_object();
    CHECK(usage.at("prompt_tokens") == 10);
    CHECK(usage.at("completion_tokens") == 5);
    CHECK(usage.at("total_tokens") == 15);
    REQUIRE(usage.contains("cost"));
    REQUIRE(usage.at("cost").is_number());
    // 10 * $1.5/1M + 5 * $2/1M
    CHECK(std::abs(usage.at("cost").to_number<double>() - 0.000025) < 1e-12);

    CHECK_FALSE(res.header("x-request-id").empty());
    CHECK(res.header("x-switchyard-provider") == "fake-a");
    CHECK(res.header("x-switchyard-model") == "test/alpha");
    CHECK(res.header("x-switchyard-attempts") == "1");
    CHECK(res.header("content-type").starts_with("application/json"));
  }

  TEST_CASE("every request gets its own request id") {
    Stack stack;
    auto client = stack.client();
    std::set<std::string> ids;
    for (int i = 0; i < 3; ++i) {
      auto res = client.post("/v1/chat/completions", chat_body());
      REQUIRE(res.status == 200);
      ids.insert(res.header("x-request-id"));
    }
    CHECK(ids.size() == 3);
    CHECK_FALSE(ids.contains(""));
  }

  TEST_CASE("sequential requests reuse one upstream connection") {
    Stack stack;
    auto client = stack.client();
    for (int i = 0; i < 20; ++i) {
      auto res = client.post("/v1/chat/completions", chat_body());
      REQUIRE(res.status == 200);
      CHECK(res.keep_alive);
    }
    CHECK(stack.upstream.hits() == 20);
    CHECK(stack.upstream.connections_accepted() == 1);
    // The pool is per worker, not per client connection.
    for (int i = 0; i < 3; ++i) {
      auto other = stack.client();
      REQUIRE(other.post("/v1/chat/completions", chat_body()).status == 200);
    }
    CHECK(stack.upstream.hits() == 23);
    CHECK(stack.upstream.connections_accepted() == 1);
  }

  TEST_CASE("GET /v1/models lists the catalog") {
    Stack stack;
    auto client = stack.client();
    auto res = client.get("/v1/models");
    REQUIRE(res.status == 200);
    CHECK(res.header("content-type").starts_with("application/json"));
    auto body = res.json().as_object();
    CHECK(body.at("object") == "list");
    auto& data = body.at("data").as_array();
    REQUIRE(data.size() == 1);
    auto& m = data.at(0).as_object();
    CHECK(m.at("id") == "test/alpha");
    CHECK(m.at("name").is_string());
    CHECK(m.at("context_length") == 8192);
    CHECK(m.at("family") == "llama");
    CHECK(m.at("origin") == "US");
    CHECK(m.at("weights") == "open");
    CHECK(m.at("license") == "MIT");
    auto& pricing = m.at("pricing").as_object();
    REQUIRE(pricing.at("prompt").is_string());
    REQUIRE(pricing.at("completion").is_string());
    // USD per token, as strings (OpenRouter's convention).
    CHECK(std::stod(std::string(pricing.at("prompt").as_string())) ==
          doctest::Approx(0.0000015).epsilon(1e-9));
    CHECK(std::stod(std::string(pricing.at("completion").as_string())) ==
          doctest::Approx(0.000002).epsilon(1e-9));
    CHECK(pricing.at("prompt") == "0.0000015");
    CHECK(pricing.at("completion") == "0.000002");
    REQUIRE(m.at("endpoints").is_array());
    CHECK(m.at("endpoints").as_array().size() == 1);
    CHECK(stack.upstream.hits() == 0);
  }

  TEST_CASE("health and readiness") {
    Stack stack;
    auto client = stack.client();
    auto health = client.get("/healthz");
    CHECK(health.status == 200);
    CHECK(health.json() == json::parse(R"({"status":"ok"})"));
    auto ready = client.get("/readyz");
    CHECK(ready.status == 200);
  }

  TEST_CASE("several requests on one client connection, mixed routes") {
    Stack stack;
    auto client = stack.client();
    CHECK(client.get("/healthz").status == 200);
    CHECK(client.post("/v1/chat/completions", chat_body()).status == 200);
    CHECK(client.get("/v1/models").status == 200);
    auto res = client.post("/v1/chat/completions", chat_body());
    CHECK(res.status == 200);
    CHECK(res.json().at("choices").at(0).at("message").at("content") == "Hello");
  }
}
