// Every JSON body and SSE chunk the gateway writes itself, validated against
// OpenAI's published schemas (tests/conformance/openai_schemas.json): answers
// translated from Anthropic, stream chunks and the final usage chunk, every
// kind of error body, /v1/models. A body relayed from an OpenAI-compatible
// upstream is the upstream's; there the gateway's part (usage with its cost,
// "usage": null on chunks, numbers it re-serialises) is what is checked.
#include "tests/integration/conformance_support.hpp"
#include "tests/integration/provider_fixtures.hpp"

using namespace itest;
namespace json = boost::json;

namespace {

std::string anthropic_config(const FakeUpstream& fake) {
  ConfigSpec spec = basic_spec(fake.base_url());
  spec.providers[0].kind = "anthropic";
  return render_config(spec);
}

// Chunks before the last carry "usage" (null unless the upstream put its own
// there); the last is the gateway's usage chunk, with a cost. Returns it.
json::object check_usage_null_until_last(const std::vector<json::object>& chunks) {
  REQUIRE(chunks.size() >= 2);
  for (std::size_t i = 0; i + 1 < chunks.size(); ++i) {
    INFO("chunk " << i << ": " << json::serialize(chunks[i]));
    CHECK(chunks[i].contains("usage"));
  }
  const json::object& last = chunks.back();
  CHECK(last.at("choices").as_array().empty());
  REQUIRE(last.at("usage").is_object());
  CHECK(last.at("usage").as_object().contains("cost"));
  return last;
}

void check_usage_with_cost(const json::value& usage) {
  INFO("usage: " << json::serialize(usage));
  CHECK(openai_schemas().validate("CompletionUsage", usage).empty());
  REQUIRE(usage.is_object());
  REQUIRE(usage.as_object().contains("cost"));
  CHECK(usage.at("cost").is_number());
}

}  // namespace

TEST_SUITE("conformance") {
  TEST_CASE("answers translated from Anthropic conform, whole and streamed") {
    FakeUpstream fake(anthropic_handler(FakeAnswer{{"Hel", "lo"}, {11, 3}}));
    GatewayProcess gateway(anthropic_config(fake));
    TestClient client(gateway.port());

    auto whole = client.post("/v1/chat/completions", chat_body());
    REQUIRE(whole.status == 200);
    CHECK(check_conforms("CreateChatCompletionResponse", whole.body));
    CHECK(whole.json().at("choices").at(0).at("message").at("refusal").is_null());
    CHECK(whole.json().at("choices").at(0).at("logprobs").is_null());
    // 11 x $1.5/M + 3 x $2/M = $0.0000225, written as the exact decimal.
    CHECK(whole.body.find("\"cost\":0.0000225}") != std::string::npos);

    auto plain_stream = read_sse(client, "/v1/chat/completions", chat_body("test/alpha", true));
    REQUIRE(plain_stream.head.status == 200);
    CHECK(has_done(plain_stream));
    CHECK(check_stream_conforms(plain_stream.events) >= 3);
    for (const auto& chunk : sse_json(plain_stream)) CHECK_FALSE(chunk.contains("usage"));

    auto with_usage = read_sse(client, "/v1/chat/completions", chat_body("test/alpha", true, true));
    REQUIRE(with_usage.head.status == 200);
    CHECK(check_stream_conforms(with_usage.events) >= 4);
    auto chunks = sse_json(with_usage);
    json::object last = check_usage_null_until_last(chunks);
    for (std::size_t i = 0; i + 1 < chunks.size(); ++i) CHECK(chunks[i].at("usage").is_null());
    CHECK(last.at("usage").at("prompt_tokens") == 11);
    CHECK(with_usage.events[with_usage.events.size() - 2].data.find("\"cost\":0.0000225}") !=
          std::string::npos);
  }

  TEST_CASE("a tool call translated from Anthropic conforms") {
    FakeUpstream fake([](const RecordedRequest&) {
      return Response::json(R"({"id":"msg_1","type":"message","role":"assistant",
        "model":"claude-fake","content":[{"type":"tool_use","id":"toolu_1",
        "name":"get_weather","input":{"city":"Paris"}}],"stop_reason":"tool_use",
        "stop_sequence":null,"usage":{"input_tokens":20,"output_tokens":9}})");
    });
    GatewayProcess gateway(anthropic_config(fake));
    TestClient client(gateway.port());
    auto res = client.post("/v1/chat/completions", chat_body());
    REQUIRE(res.status == 200);
    CHECK(check_conforms("CreateChatCompletionResponse", res.body));
    auto message = res.json().at("choices").at(0).at("message");
    CHECK(message.at("content").is_null());
    CHECK(message.at("tool_calls").at(0).at("function").at("name") == "get_weather");
  }

  TEST_CASE("OpenAI-compatible answers: usage, cost and usage chunks the gateway writes") {
    for (const FlavorFixture& fixture :
         {openai_fixture(), deepseek_fixture(), vllm_fixture(), llamacpp_fixture(),
          ollama_fixture(), sglang_fixture(), gemini_fixture(), dashscope_fixture()}) {
      CAPTURE(fixture.flavor);
      FlavorStack stack(fixture);
      auto client = stack.client();

      // The body is re-serialised by the gateway: its numbers are ours. Its
      // usage is the upstream's (vLLM writes "prompt_tokens_details": null)
      // but for the cost.
      auto whole = client.post("/v1/chat/completions", chat_body());
      REQUIRE(whole.status == 200);
      CHECK(exponent_numbers(whole.body).empty());
      CHECK(whole.json().at("usage").at("cost").is_number());

      auto read = read_sse(client, "/v1/chat/completions", chat_body("test/alpha", true, true));
      REQUIRE(read.head.status == 200);
      CHECK(has_done(read));
      auto chunks = sse_json(read);
      json::object last = check_usage_null_until_last(chunks);
      check_usage_with_cost(last.at("usage"));
      // The usage chunk is the gateway's own writing: all of it conforms.
      CHECK(check_conforms("CreateChatCompletionStreamResponse",
                           read.events[read.events.size() - 2].data));
    }
  }

  TEST_CASE("a whole OpenAI answer relayed with its cost conforms") {
    Stack stack;
    auto client = stack.client();
    auto res = client.post("/v1/chat/completions", chat_body());
    REQUIRE(res.status == 200);
    // 10 x $1.5/M + 5 x $2/M; Boost.JSON alone would write 2.5E-5.
    CHECK(res.body.find("\"cost\":0.000025}") != std::string::npos);
    check_usage_with_cost(res.json().at("usage"));
    CHECK(exponent_numbers(res.body).empty());
  }

  TEST_CASE("/v1/models conforms to ListModelsResponse") {
    Stack stack;
    auto client = stack.client();
    auto res = client.get("/v1/models");
    REQUIRE(res.status == 200);
    CHECK(check_conforms("ListModelsResponse", res.body));
  }

  TEST_CASE("/v1/route writes plain numbers, zeros as 0") {
    Stack stack;
    auto client = stack.client();
    auto res = client.post("/v1/route", chat_body());
    REQUIRE(res.status == 200);
    INFO(res.body);
    CHECK(exponent_numbers(res.body).empty());
    // No traffic yet: the latency statistics are zero doubles (Boost: 0E0).
    CHECK(res.body.find("\"ttft_p50_ms\":0,") != std::string::npos);
  }
}
