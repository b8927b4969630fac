// Every kind of error body the gateway makes, validated against OpenAI's
// ErrorResponse schema: client errors (400, 401, 403, 404, 405, 413, 431),
// routing outcomes (429, 503) and upstream failures (429, 502, 504, and the
// in-band error event of a stream).
#include "tests/integration/conformance_support.hpp"
#include "tests/integration/provider_fixtures.hpp"
#include "tests/integration/routing_support.hpp"

using namespace itest;
namespace json = boost::json;

namespace {

constexpr const char* kToken = "conformance-client-token";

// fake-a serves test/alpha (US) and test/cn (CN); the one key may not reach
// CN-origin models.
std::string errors_config(const FakeUpstream& fake) {
  ConfigSpec spec = basic_spec(fake.base_url());
  ModelSpec cn;
  cn.id = "test/cn";
  cn.origin = "CN";
  spec.models.push_back(cn);
  return render_config(spec) +
         "policies:\n"
         "  - name: no-cn\n"
         "    deny: [ { origin: CN } ]\n"
         "keys:\n"
         "  - name: team\n"
         "    key_sha256: " +
         routing::sha256_hex(kToken) +
         "\n"
         "    policy: no-cn\n";
}

Headers auth() {
  return routing::bearer(kToken);
}

void check_error_conforms(const HttpResponse& res, int status) {
  CAPTURE(status);
  CHECK(res.status == status);
  CHECK(check_conforms("ErrorResponse", res.body));
}

}  // namespace

TEST_SUITE("conformance") {
  TEST_CASE("every error body the gateway writes conforms to ErrorResponse") {
    FakeUpstream fake(openai_handler());
    GatewayProcess gateway(errors_config(fake));
    TestClient client(gateway.port());

    check_error_conforms(client.post("/v1/chat/completions", chat_body()), 401);
    check_error_conforms(client.post("/v1/chat/completions", "{\"model\":", auth()), 400);
    check_error_conforms(client.post("/v1/chat/completions", R"({"model":"test/alpha"})", auth()),
                         400);
    check_error_conforms(client.post("/v1/chat/completions", chat_body("test/cn"), auth()), 403);
    check_error_conforms(client.post("/v1/chat/completions", chat_body("nobody/nothing"), auth()),
                         404);
    check_error_conforms(client.request("GET", "/v1/nothing-here", {}, auth()), 404);
    check_error_conforms(client.request("GET", "/v1/chat/completions", {}, auth()), 405);
    // The request's own preferences rule everything out.
    check_error_conforms(
        client.post("/v1/chat/completions",
                    chat_body_with(
                        "test/alpha", false, false,
                        json::object{{"provider", json::object{{"only", json::array{"nobody"}}}}}),
                    auth()),
        400);
    CHECK(fake.hits() == 0);

    fake.set_handler([](const RecordedRequest&) { return Response::silence(); });
    check_error_conforms(client.post("/v1/chat/completions", chat_body(), auth()), 504);

    fake.set_handler([](const RecordedRequest&) {
      return Response::json(openai_error("overloaded", "server_error", "busy"), 500);
    });
    check_error_conforms(client.post("/v1/chat/completions", chat_body(), auth()), 502);

    fake.set_handler([](const RecordedRequest& request) {
      SseScript script;
      script.events = openai_stream_events("m", {"Hel"}, {}, wants_stream_usage(request));
      script.events.resize(2);
      script.events.push_back(
          "data: " + openai_error("the model fell over", "server_error", "down") + "\n\n");
      return Response::stream(std::move(script));
    });
    auto broken =
        read_sse(client, "/v1/chat/completions", chat_body("test/alpha", true, true), auth());
    REQUIRE(broken.head.status == 200);
    REQUIRE_FALSE(broken.events.empty());
    CHECK(broken.events.back().data.starts_with("{\"error\""));
    CHECK(check_stream_conforms(broken.events) == broken.events.size());

    fake.set_handler([](const RecordedRequest&) {
      return Response::json(openai_error("slow down", "rate_limit_error", "rate_limited"), 429,
                            {{"Retry-After", "30"}});
    });
    check_error_conforms(client.post("/v1/chat/completions", chat_body(), auth()), 429);
    // The endpoint now cools down: the gateway's own 429.
    auto cooling = client.post("/v1/chat/completions", chat_body(), auth());
    check_error_conforms(cooling, 429);
    CHECK(cooling.header("retry-after") != "");
  }

  TEST_CASE("edge errors conform: body too large, headers too large") {
    FakeUpstream fake(openai_handler());
    GatewayProcess gateway(basic_config(fake.base_url()));
    {
      TestClient client(gateway.port());
      std::string big = chat_body_with("test/alpha", false, false,
                                       json::object{{"user", std::string(70'000, 'a')}});
      try {
        client.send_request("POST", "/v1/chat/completions", big);
      } catch (const std::exception&) {
        // The gateway may answer 413 and close before reading the whole body.
      }
      check_error_conforms(client.read_response(), 413);
    }
    {
      TestClient client(gateway.port());
      try {
        client.send_request("GET", "/v1/models", {}, {{"x-padding", std::string(20'000, 'p')}});
      } catch (const std::exception&) {
      }
      check_error_conforms(client.read_response(), 431);
    }
  }
}
