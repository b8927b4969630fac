// Client errors and upstream failures, all as OpenAI-style error bodies.
#include <chrono>

#include "tests/integration/stack.hpp"

using namespace itest;
namespace json = boost::json;

namespace {
void check_names_field(const json::object& error, std::string_view field) {
  CHECK(str(error.at("param")) == field);
  CHECK(str(error.at("message")).find(field) != std::string::npos);
}
}  // namespace

TEST_SUITE("errors") {
  TEST_CASE("malformed and invalid bodies get 400 and the connection stays usable") {
    Stack stack;
    auto client = stack.client();

    check_error(client.post("/v1/chat/completions", "{\"model\": \"test/alpha\", "), 400,
                "invalid_json");

    auto missing = check_error(client.post("/v1/chat/completions", R"({"model":"test/alpha"})"),
                               400, "invalid_request");
    check_names_field(missing, "messages");

    auto wrong_messages =
        check_error(client.post("/v1/chat/completions", R"({"model":"test/alpha","messages":5})"),
                    400, "invalid_request");
    check_names_field(wrong_messages, "messages");

    auto wrong_stream = check_error(
        client.post(
            "/v1/chat/completions",
            R"({"model":"test/alpha","messages":[{"role":"user","content":"x"}],"stream":"yes"})"),
        400, "invalid_request");
    check_names_field(wrong_stream, "stream");

    CHECK(stack.upstream.hits() == 0);
    // The bodies were consumed: the same connection serves the next request.
    CHECK(client.post("/v1/chat/completions", chat_body()).status == 200);
    CHECK(stack.upstream.hits() == 1);
  }

  TEST_CASE("an unknown model is 404 suggesting the nearest catalog model") {
    Stack stack;
    auto client = stack.client();
    auto error = check_error(client.post("/v1/chat/completions", chat_body("test/alpah")), 404,
                             "model_not_found");
    CHECK(str(error.at("message")).find("did you mean test/alpha") != std::string::npos);
    CHECK(stack.upstream.hits() == 0);
  }

  TEST_CASE("a body over max_body_bytes is 413") {
    Stack stack;
    auto client = stack.client();
    json::object body{{"model", "test/alpha"},
                      {"messages", json::array{json::object{
                                       {"role", "user"}, {"content", std::string(70'000, 'a')}}}}};
    try {
      client.send_request("POST", "/v1/chat/completions", json::serialize(body));
    } catch (const std::exception&) {
      // The gateway may answer 413 and close before reading the whole body.
    }
    check_error(client.read_response(), 413, "");
    CHECK(stack.upstream.hits() == 0);
  }

  TEST_CASE("unknown route is 404, wrong method is 405") {
    Stack stack;
    auto client = stack.client();
    check_error(client.get("/v1/nothing-here"), 404, "");
    check_error(client.post("/v2/chat/completions", chat_body()), 404, "");
    auto res = client.get("/v1/chat/completions");
    check_error(res, 405, "");
    CHECK(res.header("allow").find("POST") != std::string::npos);
    CHECK(stack.upstream.hits() == 0);
  }

  TEST_CASE("an upstream that refuses connections is 502") {
    FakeUpstream unused(openai_handler());
    ConfigSpec spec = basic_spec("http://127.0.0.1:" + std::to_string(closed_port()) + "/v1");
    GatewayProcess gateway(render_config(spec));
    TestClient client(gateway.port());
    auto res = client.post("/v1/chat/completions", chat_body());
    check_error(res, 502, "");
    // Still alive and answering.
    CHECK(client.get("/healthz").status == 200);
  }

  TEST_CASE("an upstream silent past the response deadline is 504") {
    Stack stack([](const RecordedRequest&) { return Response::silence(); },
                [](ConfigSpec& spec) { spec.providers[0].response = "1s"; });
    auto client = stack.client(20s);
    auto start = std::chrono::steady_clock::now();
    auto res = client.post("/v1/chat/completions", chat_body());
    auto elapsed = std::chrono::steady_clock::now() - start;
    check_error(res, 504, "");
    CHECK(stack.upstream.hits() >= 1);
    CHECK(elapsed >= 900ms);  // response is 1s
    CHECK(elapsed < 10s);
    // The gateway gave up on the silent connections.
    CHECK(wait_until([&] { return stack.upstream.connections_open() == 0; }, 3s));
  }

  TEST_CASE("an upstream failing with 500 on every attempt is 502") {
    Stack stack([](const RecordedRequest&) {
      return Response::json(openai_error("boom", "server_error", "internal"), 500);
    });
    auto client = stack.client();
    check_error(client.post("/v1/chat/completions", chat_body()), 502, "");
    CHECK(stack.upstream.hits() >= 1);
  }

  TEST_CASE("an upstream that closes without answering is 502") {
    Stack stack([](const RecordedRequest&) { return Response::close(); });
    auto client = stack.client();
    check_error(client.post("/v1/chat/completions", chat_body()), 502, "");
    CHECK(stack.upstream.hits() >= 1);
  }
}
