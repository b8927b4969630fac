// Anthropic both ways, end to end. Egress: a kind: anthropic provider in
// front of a fake speaking the Messages API as documented (headers, system
// prompt, tool use round trip, in-stream errors, 529 fallback, cache usage).
// Ingress: POST /v1/messages from an Anthropic client routed to an
// OpenAI-compatible fake.
#include "tests/integration/provider_fixtures.hpp"

using namespace itest;
namespace json = boost::json;

namespace {

constexpr const char* kToolId = "toolu_01A09q90qw90lq917835lq9";

// One anthropic provider "fake-a" at `anthropic_url`; with `fallback_url`, a
// pricier OpenAI-compatible "fake-b" serving the same model.
std::string anthropic_config(const std::string& anthropic_url,
                             const std::string& fallback_url = {}) {
  ConfigSpec spec = basic_spec(anthropic_url);
  spec.providers[0].kind = "anthropic";
  spec.models[0].endpoints[0].prompt_price = "1";
  spec.models[0].endpoints[0].completion_price = "1";
  if (!fallback_url.empty()) {
    ProviderSpec b;
    b.name = "fake-b";
    b.base_url = fallback_url;
    spec.providers.push_back(b);
    EndpointSpec e;
    e.provider = "fake-b";
    e.upstream_model = "beta-upstream";
    e.prompt_price = "5";
    e.completion_price = "5";
    spec.models[0].endpoints.push_back(e);
  }
  return render_config(spec);
}

std::string named(std::string_view name, const json::value& data) {
  return "event: " + std::string(name) + "\ndata: " + json::serialize(data) + "\n\n";
}

std::string message_json(json::array content, std::string_view stop_reason, json::object usage) {
  return json::serialize(json::object{{"id", "msg_01XFDUDYJgAACzvnptvVoYEL"},
                                      {"type", "message"},
                                      {"role", "assistant"},
                                      {"model", "claude-fake"},
                                      {"content", std::move(content)},
                                      {"stop_reason", stop_reason},
                                      {"stop_sequence", nullptr},
                                      {"usage", std::move(usage)}});
}

json::object message_start(json::object usage) {
  return {{"type", "message_start"},
          {"message", json::object{{"id", "msg_01"},
                                   {"type", "message"},
                                   {"role", "assistant"},
                                   {"content", json::array{}},
                                   {"model", "claude-fake"},
                                   {"stop_reason", nullptr},
                                   {"stop_sequence", nullptr},
                                   {"usage", std::move(usage)}}}};
}

json::object text_delta(int index, std::string_view text) {
  return {{"type", "content_block_delta"},
          {"index", index},
          {"delta", json::object{{"type", "text_delta"}, {"text", text}}}};
}

json::array tools() {
  return json::parse(R"([{"type":"function","function":{"name":"get_weather",
      "description":"Current weather","parameters":{"type":"object",
      "properties":{"location":{"type":"string"}},"required":["location"]}}}])")
      .as_array();
}

bool has_tool_result(const RecordedRequest& request) {
  return json::serialize(request.json()).find("tool_result") != std::string::npos;
}

// The model asks for get_weather first; after the tool result it answers.
Handler weather_handler() {
  return [](const RecordedRequest& request) {
    json::object usage{{"input_tokens", 30}, {"output_tokens", 12}};
    if (has_tool_result(request)) {
      json::array content{json::object{{"type", "text"}, {"text", "It is 21C in Paris."}}};
      return Response::json(message_json(std::move(content), "end_turn", usage));
    }
    if (!wants_stream(request)) {
      json::array content{json::object{{"type", "text"}, {"text", "Let me check."}},
                          json::object{{"type", "tool_use"},
                                       {"id", kToolId},
                                       {"name", "get_weather"},
                                       {"input", json::object{{"location", "Paris"}}}}};
      return Response::json(message_json(std::move(content), "tool_use", usage));
    }
    SseScript script;
    script.events = {
        named("message_start", message_start({{"input_tokens", 30}, {"output_tokens", 1}})),
        named("content_block_start",
              json::object{{"type", "content_block_start"},
                           {"index", 0},
                           {"content_block", json::object{{"type", "tool_use"},
                                                          {"id", kToolId},
                                                          {"name", "get_weather"},
                                                          {"input", json::object{}}}}}),
        named("content_block_delta",
              json::object{{"type", "content_block_delta"},
                           {"index", 0},
                           {"delta", json::object{{"type", "input_json_delta"},
                                                  {"partial_json", "{\"location\":"}}}}),
        named("content_block_delta",
              json::object{{"type", "content_block_delta"},
                           {"index", 0},
                           {"delta", json::object{{"type", "input_json_delta"},
                                                  {"partial_json", " \"Paris\"}"}}}}),
        named("content_block_stop", json::object{{"type", "content_block_stop"}, {"index", 0}}),
        named("message_delta", json::object{{"type", "message_delta"},
                                            {"delta", json::object{{"stop_reason", "tool_use"},
                                                                   {"stop_sequence", nullptr}}},
                                            {"usage", json::object{{"output_tokens", 12}}}}),
        named("message_stop", json::object{{"type", "message_stop"}})};
    return Response::stream(std::move(script));
  };
}

void check_anthropic_headers(const RecordedRequest& up) {
  CHECK(up.target == "/v1/messages");
  CHECK(up.header("x-api-key") == kProviderKey);
  CHECK(up.header("anthropic-version") == "2023-06-01");
  CHECK_FALSE(up.has_header("authorization"));
}

// The client's second turn: its question, the assistant's tool call as
// received, and the tool's answer.
std::string tool_result_turn(const json::value& tool_call) {
  json::object body{{"model", "test/alpha"}, {"tools", tools()}};
  body["messages"] = json::array{
      json::object{{"role", "user"}, {"content", "What is the weather in Paris?"}},
      json::object{
          {"role", "assistant"}, {"content", nullptr}, {"tool_calls", json::array{tool_call}}},
      json::object{{"role", "tool"}, {"tool_call_id", tool_call.at("id")}, {"content", "21C"}}};
  return json::serialize(body);
}

void check_tool_result_reached(const FakeUpstream& fake) {
  auto up = fake.last_request();
  REQUIRE(up);
  check_anthropic_headers(*up);
  auto body = up->json();
  auto& messages = body.at("messages").as_array();
  REQUIRE(messages.size() == 3);
  CHECK(messages[1].at("role") == "assistant");
  auto& tool_use = messages[1].at("content").at(0);
  CHECK(tool_use.at("type") == "tool_use");
  CHECK(tool_use.at("id") == kToolId);
  CHECK(tool_use.at("input") == json::parse(R"({"location":"Paris"})"));
  CHECK(messages[2].at("role") == "user");
  auto& result = messages[2].at("content").at(0);
  CHECK(result.at("type") == "tool_result");
  CHECK(result.at("tool_use_id") == kToolId);
  CHECK(result.at("content") == "21C");
}

}  // namespace

TEST_SUITE("anthropic") {
  TEST_CASE("egress: non-stream request translated, headers sent, system moved") {
    FakeUpstream fake(anthropic_handler());
    GatewayProcess gateway(anthropic_config(fake.base_url()));
    TestClient client(gateway.port());
    json::object sent{
        {"model", "test/alpha"},
        {"messages", json::array{json::object{{"role", "system"}, {"content", "Be brief."}},
                                 json::object{{"role", "user"}, {"content", "Say hello"}}}},
        {"temperature", 0.5},
        {"max_tokens", 64}};
    auto res = client.post("/v1/chat/completions", json::serialize(sent));
    REQUIRE(res.status == 200);
    auto body = res.json();
    CHECK(body.at("object") == "chat.completion");
    CHECK(body.at("choices").at(0).at("message").at("content") == "Hello");
    CHECK(body.at("choices").at(0).at("finish_reason") == "stop");
    CHECK(body.at("usage").at("prompt_tokens") == 10);
    CHECK(body.at("usage").at("completion_tokens") == 5);
    CHECK(body.at("usage").as_object().contains("cost"));

    auto up = fake.last_request();
    REQUIRE(up);
    check_anthropic_headers(*up);
    auto up_body = up->json().as_object();
    CHECK(up_body.at("model") == "alpha-upstream");
    CHECK(up_body.at("system") == "Be brief.");
    CHECK(up_body.at("max_tokens") == 64);
    CHECK(up_body.at("messages") == json::parse(R"([{"role":"user","content":"Say hello"}])"));
    CHECK_FALSE(up_body.contains("stream"));
  }

  TEST_CASE("egress: a Messages event stream becomes OpenAI chunks") {
    FakeUpstream fake(anthropic_handler(FakeAnswer{{"Hel", "lo", " there"}, {11, 3}}));
    GatewayProcess gateway(anthropic_config(fake.base_url()));
    TestClient client(gateway.port());
    auto read = read_sse(client, "/v1/chat/completions", chat_body("test/alpha", true, true));
    REQUIRE(read.head.status == 200);
    CHECK(read.head.header("content-type").starts_with("text/event-stream"));
    CHECK(read.complete);
    CHECK(has_done(read));
    auto chunks = sse_json(read);
    CHECK(delta_text(chunks) == "Hello there");
    CHECK(chunks.front().at("choices").at(0).at("delta").at("role") == "assistant");
    auto usage = usage_chunks(chunks);
    REQUIRE(usage.size() == 1);
    CHECK(usage[0].at("usage").at("prompt_tokens") == 11);
    CHECK(usage[0].at("usage").at("completion_tokens") == 3);
    auto up = fake.last_request();
    REQUIRE(up);
    check_anthropic_headers(*up);
    CHECK(up->json().at("stream") == true);
  }

  TEST_CASE("egress: tool call round trip, non-stream and stream") {
    FakeUpstream fake(weather_handler());
    GatewayProcess gateway(anthropic_config(fake.base_url()));
    TestClient client(gateway.port());
    json::object ask{
        {"model", "test/alpha"},
        {"tools", tools()},
        {"messages", json::array{json::object{{"role", "user"},
                                              {"content", "What is the weather in Paris?"}}}}};

    SUBCASE("non-stream") {
      auto res = client.post("/v1/chat/completions", json::serialize(ask));
      REQUIRE(res.status == 200);
      auto up_tools = fake.last_request()->json().at("tools").at(0);
      CHECK(up_tools.at("name") == "get_weather");
      CHECK(up_tools.at("input_schema").at("required").at(0) == "location");
      auto choice = res.json().at("choices").at(0);
      CHECK(choice.at("finish_reason") == "tool_calls");
      CHECK(choice.at("message").at("content") == "Let me check.");
      auto call = choice.at("message").at("tool_calls").at(0);
      CHECK(call.at("id") == kToolId);
      CHECK(call.at("type") == "function");
      CHECK(call.at("function").at("name") == "get_weather");
      CHECK(json::parse(call.at("function").at("arguments").as_string()) ==
            json::parse(R"({"location":"Paris"})"));

      auto answer = client.post("/v1/chat/completions", tool_result_turn(call));
      REQUIRE(answer.status == 200);
      CHECK(answer.json().at("choices").at(0).at("message").at("content") == "It is 21C in Paris.");
      check_tool_result_reached(fake);
    }
    SUBCASE("stream") {
      ask["stream"] = true;
      auto read = read_sse(client, "/v1/chat/completions", json::serialize(ask));
      REQUIRE(read.head.status == 200);
      CHECK(has_done(read));
      std::string id, name, arguments, finish;
      for (const auto& c : sse_json(read)) {
        auto& choice = c.at("choices").at(0).as_object();
        if (auto* reason = choice.if_contains("finish_reason"); reason && reason->is_string())
          finish = reason->as_string();
        auto* calls = choice.at("delta").as_object().if_contains("tool_calls");
        if (calls == nullptr) continue;
        auto& call = calls->at(0).as_object();
        CHECK(call.at("index") == 0);
        if (auto* v = call.if_contains("id")) id += v->as_string();
        auto& function = call.at("function").as_object();
        if (auto* v = function.if_contains("name")) name += v->as_string();
        if (auto* v = function.if_contains("arguments")) arguments += v->as_string();
      }
      CHECK(id == kToolId);
      CHECK(name == "get_weather");
      CHECK(finish == "tool_calls");
      CHECK(json::parse(arguments) == json::parse(R"({"location":"Paris"})"));
      json::object call;
      call["id"] = id;
      call["type"] = "function";
      call["function"] = json::object{{"name", json::string_view(name)},
                                      {"arguments", json::string_view(arguments)}};
      auto answer = client.post("/v1/chat/completions", tool_result_turn(call));
      REQUIRE(answer.status == 200);
      check_tool_result_reached(fake);
    }
  }

  TEST_CASE("egress: overloaded_error mid-stream becomes an SSE error, no [DONE]") {
    FakeUpstream fake([](const RecordedRequest&) {
      SseScript script;
      script.events = {
          named("message_start", message_start({{"input_tokens", 9}, {"output_tokens", 1}})),
          named("content_block_start",
                json::object{{"type", "content_block_start"},
                             {"index", 0},
                             {"content_block", json::object{{"type", "text"}, {"text", ""}}}}),
          named("content_block_delta", text_delta(0, "Hel")),
          named("error", json::parse(R"({"type":"error","error":{"type":"overloaded_error",
                                         "message":"Overloaded"}})"))};
      return Response::stream(std::move(script));
    });
    GatewayProcess gateway(anthropic_config(fake.base_url()));
    TestClient client(gateway.port());
    auto read = read_sse(client, "/v1/chat/completions", chat_body("test/alpha", true));
    REQUIRE(read.head.status == 200);
    CHECK_FALSE(has_done(read));
    auto chunks = sse_json(read);
    CHECK(delta_text(chunks) == "Hel");
    REQUIRE_FALSE(chunks.empty());
    auto& last = chunks.back();
    REQUIRE(last.contains("error"));
    CHECK(str(last.at("error").at("message")).find("overloaded") != std::string::npos);
    auto records = usage_records(gateway, 1);
    CHECK(records.back().at("outcome") == "upstream_error");
  }

  TEST_CASE("egress: 529 before any byte falls back, or fails cleanly without a fallback") {
    Handler overloaded = [](const RecordedRequest&) {
      return Response::json(
          R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})", 529);
    };
    FakeUpstream fake(overloaded);
    SUBCASE("with a second provider") {
      FakeUpstream backup(openai_handler());
      GatewayProcess gateway(anthropic_config(fake.base_url(), backup.base_url()));
      TestClient client(gateway.port());
      auto res = client.post("/v1/chat/completions", chat_body());
      REQUIRE(res.status == 200);
      CHECK(res.header("x-switchyard-provider") == "fake-b");
      CHECK(res.header("x-switchyard-attempts") == "2");
      CHECK(res.json().at("choices").at(0).at("message").at("content") == "Hello");
      auto read = read_sse(client, "/v1/chat/completions", chat_body("test/alpha", true));
      REQUIRE(read.head.status == 200);
      CHECK(read.head.header("x-switchyard-provider") == "fake-b");
      CHECK(has_done(read));
      CHECK(delta_text(sse_json(read)) == "Hello");
      CHECK(fake.hits() == 2);
      CHECK(backup.hits() == 2);
    }
    SUBCASE("alone") {
      GatewayProcess gateway(anthropic_config(fake.base_url()));
      TestClient client(gateway.port());
      for (bool stream : {false, true}) {
        CAPTURE(stream);
        auto res = client.post("/v1/chat/completions", chat_body("test/alpha", stream));
        CHECK((res.status == 502 || res.status == 503));
        CHECK(res.header("content-type").starts_with("application/json"));
        auto error = res.json().at("error");
        CHECK(str(error.at("message")).find("overloaded") != std::string::npos);
        CHECK(res.body.find(kProviderKey) == std::string::npos);
      }
    }
  }

  TEST_CASE("egress: cache_read_input_tokens reach the usage log as cached_prompt_tokens") {
    json::object usage{{"input_tokens", 3},
                       {"cache_creation_input_tokens", 0},
                       {"cache_read_input_tokens", 20},
                       {"output_tokens", 5}};
    FakeUpstream fake([usage](const RecordedRequest& request) {
      if (!wants_stream(request)) {
        json::array content{json::object{{"type", "text"}, {"text", "Hi"}}};
        return Response::json(message_json(std::move(content), "end_turn", usage));
      }
      SseScript script;
      json::object start_usage = usage;
      start_usage["output_tokens"] = 1;
      script.events = {
          named("message_start", message_start(start_usage)),
          named("content_block_start",
                json::object{{"type", "content_block_start"},
                             {"index", 0},
                             {"content_block", json::object{{"type", "text"}, {"text", ""}}}}),
          named("content_block_delta", text_delta(0, "Hi")),
          named("content_block_stop", json::object{{"type", "content_block_stop"}, {"index", 0}}),
          named("message_delta", json::object{{"type", "message_delta"},
                                              {"delta", json::object{{"stop_reason", "end_turn"}}},
                                              {"usage", json::object{{"output_tokens", 5}}}}),
          named("message_stop", json::object{{"type", "message_stop"}})};
      return Response::stream(std::move(script));
    });
    GatewayProcess gateway(anthropic_config(fake.base_url()));
    TestClient client(gateway.port());
    auto res = client.post("/v1/chat/completions", chat_body());
    REQUIRE(res.status == 200);
    CHECK(res.json().at("usage").at("prompt_tokens_details").at("cached_tokens") == 20);
    auto read = read_sse(client, "/v1/chat/completions", chat_body("test/alpha", true));
    REQUIRE(read.head.status == 200);
    CHECK(has_done(read));
    for (const auto& record : usage_records(gateway, 2)) {
      INFO("record: " << json::serialize(record));
      CHECK(record.at("cached_prompt_tokens") == 20);
      CHECK(record.at("prompt_tokens") == 23);  // OpenAI's prompt count includes cache reads
      CHECK(record.at("completion_tokens") == 5);
      CHECK(record.at("usage_estimated") == false);
    }
  }

  TEST_CASE("ingress: /v1/messages to an OpenAI-compatible upstream, non-stream") {
    Stack stack;
    auto client = stack.client();
    json::object sent{
        {"model", "test/alpha"},
        {"max_tokens", 100},
        {"system", "Be brief."},
        {"messages", json::array{json::object{{"role", "user"}, {"content", "Say hello"}}}}};
    auto res =
        client.post("/v1/messages", json::serialize(sent), {{"anthropic-version", "2023-06-01"}});
    REQUIRE(res.status == 200);
    auto body = res.json().as_object();
    CHECK(body.at("type") == "message");
    CHECK(body.at("role") == "assistant");
    CHECK(body.at("content") == json::parse(R"([{"type":"text","text":"Hello"}])"));
    CHECK(body.at("stop_reason") == "end_turn");
    CHECK(body.at("usage").at("input_tokens") == 10);
    CHECK(body.at("usage").at("output_tokens") == 5);

    auto up = stack.upstream.last_request();
    REQUIRE(up);
    CHECK(up->target == "/v1/chat/completions");
    auto up_body = up->json();
    CHECK(up_body.at("model") == "alpha-upstream");
    CHECK(up_body.at("max_tokens") == 100);
    CHECK(up_body.at("messages") == json::parse(R"([{"role":"system","content":"Be brief."},
                          {"role":"user","content":"Say hello"}])"));
  }

  TEST_CASE("ingress: /v1/messages stream is the Anthropic event sequence") {
    Stack stack(openai_handler(FakeAnswer{{"Hel", "lo"}, {10, 5}}));
    auto client = stack.client();
    json::object sent{
        {"model", "test/alpha"},
        {"max_tokens", 100},
        {"stream", true},
        {"messages", json::array{json::object{{"role", "user"}, {"content", "Say hello"}}}}};
    auto read = read_sse(client, "/v1/messages", json::serialize(sent));
    REQUIRE(read.head.status == 200);
    CHECK(read.head.header("content-type").starts_with("text/event-stream"));
    CHECK(read.complete);
    std::vector<std::string> names;
    std::string text;
    json::object final_delta;
    for (const auto& event : read.events) {
      INFO("event " << event.event << ": " << event.data);
      CHECK(event.data != "[DONE]");
      auto data = json::parse(event.data).as_object();
      CHECK(str(data.at("type")) == event.event);  // the event: line mirrors the payload's type
      if (event.event == "ping") continue;
      names.push_back(event.event);
      if (event.event == "content_block_delta") text += data.at("delta").at("text").as_string();
      if (event.event == "message_delta") final_delta = data;
      if (event.event == "message_start") {
        CHECK(data.at("message").at("role") == "assistant");
        CHECK(data.at("message").at("content").as_array().empty());
      }
    }
    std::vector<std::string> expected{
        "message_start",      "content_block_start", "content_block_delta", "content_block_delta",
        "content_block_stop", "message_delta",       "message_stop"};
    CHECK(names == expected);
    CHECK(text == "Hello");
    REQUIRE_FALSE(final_delta.empty());
    CHECK(final_delta.at("delta").at("stop_reason") == "end_turn");
    CHECK(final_delta.at("usage").at("output_tokens") == 5);
    CHECK(wants_stream_usage(*stack.upstream.last_request()));
  }

  TEST_CASE("ingress: a malformed Messages request is an Anthropic-style 400") {
    Stack stack;
    auto client = stack.client();
    auto check = [](const HttpResponse& res) {
      INFO("body: " << res.body);
      CHECK(res.status == 400);
      CHECK(res.header("content-type").starts_with("application/json"));
      auto body = res.json().as_object();
      CHECK(body.at("type") == "error");
      CHECK(body.at("error").at("type") == "invalid_request_error");
      CHECK_FALSE(body.at("error").at("message").as_string().empty());
      return std::string(body.at("error").at("message").as_string());
    };
    auto no_max_tokens = check(client.post(
        "/v1/messages", R"({"model":"test/alpha","messages":[{"role":"user","content":"hi"}]})"));
    CHECK(no_max_tokens.find("max_tokens") != std::string::npos);
    check(client.post("/v1/messages", R"({"model":"test/alpha","max_tokens":10,"messages":5})"));
    check(client.post("/v1/messages", R"({"model":"test/alpha","max_tokens":)"));
    CHECK(stack.upstream.hits() == 0);
  }
}
