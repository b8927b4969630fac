// The official npm clients (OpenAI, Anthropic, Vercel AI SDK, LangChain)
// against the real gateway in front of fake upstreams: each scenario under
// tests/clients prints one JSON line that these tests check, together with
// what the fake upstream received.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "tests/integration/flow_support.hpp"
#include "tests/integration/node_client.hpp"
#include "tests/integration/stack.hpp"

using namespace itest;
namespace json = boost::json;

namespace {

// Fails (never skips) when node or the clients are missing, unless
// SWITCHYARD_SKIP_NODE_CLIENTS=1 says this machine is not meant to have them.
bool clients_ready() {
  if (node_clients_skipped()) {
    MESSAGE("official clients skipped: no node or no tests/clients/node_modules");
    return false;
  }
  REQUIRE_MESSAGE(find_node().has_value(), "node is missing: install nodejs");
  REQUIRE_MESSAGE(node_clients_installed(), "run npm ci in tests/clients (setup.sh test does)");
  return true;
}

json::object run_ok(const std::string& scenario, const Stack& stack) {
  NodeResult result = run_node_scenario(scenario, stack.gateway.port());
  INFO("scenario " << scenario << " stdout: " << result.out << " stderr: " << result.err);
  INFO("gateway log: " << stack.gateway.log_text());
  REQUIRE(result.ok());
  return result.json;
}

std::int64_t number(const json::object& o, std::string_view key) {
  return o.at(key).to_number<std::int64_t>();
}

// An OpenAI upstream that answers every request with one get_weather call.
Handler tool_call_handler() {
  return [](const RecordedRequest&) {
    json::object call{
        {"id", "call_fake_1"},
        {"type", "function"},
        {"function", json::object{{"name", "get_weather"}, {"arguments", R"({"city":"Paris"})"}}}};
    json::object message{
        {"role", "assistant"}, {"content", nullptr}, {"tool_calls", json::array{std::move(call)}}};
    json::object body{
        {"id", "chatcmpl-tool1"},
        {"object", "chat.completion"},
        {"created", 1700000000},
        {"model", "alpha-upstream"},
        {"choices", json::array{json::object{{"index", 0},
                                             {"message", std::move(message)},
                                             {"logprobs", nullptr},
                                             {"finish_reason", "tool_calls"}}}},
        {"usage",
         json::object{{"prompt_tokens", 20}, {"completion_tokens", 7}, {"total_tokens", 27}}}};
    return Response::json(json::serialize(body));
  };
}

}  // namespace

TEST_SUITE("official clients") {
  TEST_CASE("OpenAI client: chat completion") {
    if (!clients_ready()) return;
    Stack stack(openai_handler({.pieces = {"Hel", "lo"}, .usage = {12, 4}}));
    auto out = run_ok("openai_chat", stack);
    CHECK(out.at("content") == "Hello");
    CHECK(out.at("finish_reason") == "stop");
    CHECK(number(out.at("usage").as_object(), "prompt_tokens") == 12);
    CHECK(number(out.at("usage").as_object(), "completion_tokens") == 4);
    REQUIRE(stack.upstream.hits() == 1);
    auto up = stack.upstream.last_request();
    CHECK(up->target == "/v1/chat/completions");
    CHECK(up->json().at("model") == "alpha-upstream");
    CHECK(up->header("authorization") == std::string(kProviderBearer));
  }

  TEST_CASE("OpenAI client: stream with usage") {
    if (!clients_ready()) return;
    Stack stack(openai_handler({.pieces = {"Hel", "lo", "!"}, .usage = {9, 3}}));
    auto out = run_ok("openai_stream", stack);
    CHECK(out.at("content") == "Hello!");
    CHECK(out.at("finish_reason") == "stop");
    REQUIRE(out.at("usage").is_object());
    CHECK(number(out.at("usage").as_object(), "prompt_tokens") == 9);
    CHECK(number(out.at("usage").as_object(), "completion_tokens") == 3);
    REQUIRE(stack.upstream.hits() == 1);
    CHECK(wants_stream(*stack.upstream.last_request()));
  }

  TEST_CASE("OpenAI client: tool call") {
    if (!clients_ready()) return;
    Stack stack(tool_call_handler());
    auto out = run_ok("openai_tools", stack);
    CHECK(out.at("finish_reason") == "tool_calls");
    CHECK(out.at("tool_name") == "get_weather");
    CHECK(out.at("tool_arguments").at("city") == "Paris");
    CHECK(out.at("tool_call_id") == "call_fake_1");
    auto up = stack.upstream.last_request()->json().as_object();
    REQUIRE(up.contains("tools"));
    CHECK(up.at("tools").at(0).at("function").at("name") == "get_weather");
  }

  TEST_CASE("OpenAI client: abort mid-stream is recorded as client_disconnect") {
    if (!clients_ready()) return;
    FakeAnswer slow{.pieces = std::vector<std::string>(40, "x"), .delay = 100ms};
    Stack stack(openai_handler(slow),
                [](ConfigSpec& spec) { spec.providers[0].between_chunks = "5s"; });
    auto out = run_ok("openai_abort", stack);
    CHECK(out.at("aborted") == true);
    CHECK(out.at("content") == "x");
    // The gateway stops reading the upstream rather than reading it out.
    CHECK(wait_until([&] { return stack.upstream.streams_cut_by_peer() == 1; }, 10s));
    CHECK(stack.upstream.streams_completed() == 0);
    std::string log = stack.gateway.usage_log_path();
    REQUIRE(wait_until([&] { return !read_lines(log).empty(); }, 10s));
    auto records = usage_records(log);
    REQUIRE(records.size() == 1);
    CHECK(str(records[0].at("outcome")) == "client_disconnect");
  }

  TEST_CASE("Anthropic client: message and stream through an OpenAI upstream") {
    if (!clients_ready()) return;
    Stack stack(openai_handler({.pieces = {"Hel", "lo"}, .usage = {11, 2}}));
    auto out = run_ok("anthropic_messages", stack);
    CHECK(out.at("content") == "Hello");
    CHECK(out.at("stop_reason") == "end_turn");
    CHECK(number(out.at("usage").as_object(), "input_tokens") == 11);
    CHECK(number(out.at("usage").as_object(), "output_tokens") == 2);
    CHECK(out.at("streamed_text") == "Hello");
    CHECK(out.at("stream_stop_reason") == "end_turn");
    CHECK(number(out.at("stream_usage").as_object(), "output_tokens") == 2);
    CHECK(stack.upstream.hits() == 2);
    CHECK(stack.upstream.last_request()->target == "/v1/chat/completions");
  }

  TEST_CASE("Anthropic client: models.list() reads Anthropic's list shape") {
    if (!clients_ready()) return;
    Stack stack;
    auto out = run_ok("anthropic_models", stack);
    CHECK(json::serialize(out.at("ids")) == R"(["test/alpha"])");
    CHECK(json::serialize(out.at("types")) == R"(["model"])");
    CHECK(json::serialize(out.at("created_at")) == R"(["1970-01-01T00:00:00Z"])");
    CHECK(out.at("has_more") == false);
    CHECK(out.at("first_id") == "test/alpha");
    CHECK(out.at("last_id") == "test/alpha");
  }

  TEST_CASE("Vercel AI SDK: generateText and streamText") {
    if (!clients_ready()) return;
    Stack stack(openai_handler({.pieces = {"Hel", "lo"}, .usage = {8, 2}}));
    auto out = run_ok("vercel_ai", stack);
    CHECK(out.at("content") == "Hello");
    CHECK(out.at("finish_reason") == "stop");
    CHECK(number(out.at("usage").as_object(), "promptTokens") == 8);
    CHECK(number(out.at("usage").as_object(), "completionTokens") == 2);
    CHECK(out.at("streamed_text") == "Hello");
    CHECK(out.at("stream_finish_reason") == "stop");
    CHECK(number(out.at("stream_usage").as_object(), "completionTokens") == 2);
    CHECK(stack.upstream.hits() == 2);
  }

  TEST_CASE("LangChain ChatOpenAI: invoke and stream") {
    if (!clients_ready()) return;
    Stack stack(openai_handler({.pieces = {"Hel", "lo"}, .usage = {6, 2}}));
    auto out = run_ok("langchain", stack);
    CHECK(out.at("content") == "Hello");
    REQUIRE(out.at("usage").is_object());
    CHECK(number(out.at("usage").as_object(), "input_tokens") == 6);
    CHECK(number(out.at("usage").as_object(), "output_tokens") == 2);
    CHECK(out.at("streamed_text") == "Hello");
    CHECK(out.at("chunks").to_number<int>() >= 2);
    CHECK(stack.upstream.hits() == 2);
  }
}
