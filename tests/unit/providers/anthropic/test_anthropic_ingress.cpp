// The Anthropic-compatible ingress: Messages requests in, canonical OpenAI
// answers and chunks translated back into Messages JSON and SSE.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "providers/anthropic/ingress.hpp"
#include "providers/anthropic/messages.hpp"
#include "providers/sse/sse.hpp"

namespace json = boost::json;
using namespace switchyard::providers;

namespace {

json::object parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  REQUIRE_MESSAGE(!ec, "invalid JSON: " << text);
  REQUIRE(value.is_object());
  return value.get_object();
}

json::object to_openai(std::string_view anthropic_body) {
  json::object out;
  std::string error;
  std::string param;
  REQUIRE_MESSAGE(anthropic_request_to_openai(anthropic_body, out, error, param), error);
  return out;
}

struct Event {
  std::string name;
  json::object data;
};

std::vector<Event> decode_events(std::string_view sse) {
  std::vector<Event> events;
  SseDecoder decoder;
  decoder.feed(sse, [&](const SseEvent& event) {
    events.push_back(Event{event.event, parse_object(event.data)});
  });
  return events;
}

std::string chunk(std::string_view delta, std::string_view finish_reason = "null") {
  return R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o",)"
         R"("choices":[{"index":0,"delta":)" +
         std::string(delta) + R"(,"finish_reason":)" + std::string(finish_reason) + "}]}";
}

}  // namespace

TEST_CASE("ingress request: system, tools and tool history become the canonical body") {
  json::object out = to_openai(R"({
    "model": "claude-sonnet-4-5",
    "max_tokens": 512,
    "system": [{"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}},
               {"type": "text", "text": "Use tools."}],
    "messages": [
      {"role": "user", "content": "Weather in Paris?"},
      {"role": "assistant", "content": [
        {"type": "thinking", "thinking": "hmm", "signature": "sig"},
        {"type": "text", "text": "Checking."},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}]},
      {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "18 C"}]},
        {"type": "text", "text": "Thanks. And this?"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQ"}}]}
    ],
    "tools": [{"name": "get_weather", "description": "Weather",
               "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}],
    "tool_choice": {"type": "any", "disable_parallel_tool_use": true},
    "stop_sequences": ["\n\nHuman:"],
    "temperature": 0.2, "top_p": 0.8, "top_k": 40,
    "stream": true,
    "metadata": {"user_id": "u-1"}
  })");
  json::object expected = parse_object(R"({
    "model": "claude-sonnet-4-5",
    "messages": [
      {"role": "system", "content": [{"type": "text", "text": "You are terse."},
                                     {"type": "text", "text": "Use tools."}]},
      {"role": "user", "content": "Weather in Paris?"},
      {"role": "assistant", "content": "Checking.", "tool_calls": [
        {"id": "toolu_1", "type": "function",
         "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
      {"role": "tool", "tool_call_id": "toolu_1", "content": "18 C"},
      {"role": "user", "content": [
        {"type": "text", "text": "Thanks. And this?"},
        {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/4AAQ"}}]}
    ],
    "max_tokens": 512,
    "temperature": 0.2, "top_p": 0.8,
    "stop": ["\n\nHuman:"],
    "stream": true, "stream_options": {"include_usage": true},
    "user": "u-1",
    "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
               "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
    "tool_choice": "required",
    "parallel_tool_calls": false
  })");
  CHECK_MESSAGE(out == expected, "got " << json::serialize(out));
}

TEST_CASE("ingress request: tool_choice forms and a plain system string") {
  json::object out = to_openai(
      R"({"model":"m","max_tokens":5,"system":"Be kind.","messages":[{"role":"user","content":"hi"}],)"
      R"("tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":{"type":"tool","name":"f"}})");
  CHECK(out["messages"] ==
        json::parse(R"([{"role":"system","content":"Be kind."},{"role":"user","content":"hi"}])"));
  CHECK(out["tool_choice"] == json::parse(R"({"type":"function","function":{"name":"f"}})"));
  CHECK(!out.contains("stream"));

  out = to_openai(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],)"
                  R"("tools":[{"name":"f","input_schema":{}}],"tool_choice":{"type":"auto"}})");
  CHECK(out["tool_choice"] == "auto");
}

TEST_CASE("ingress request: strict validation names the field") {
  struct Case {
    const char* body;
    const char* param;
  };
  const Case cases[] = {
      {R"({"model":"m","max_tokens":5,"messages":[)", "body"},
      {R"([1,2])", "body"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"temperature":1e999})",
       "body"},
      {R"({"max_tokens":5,"messages":[{"role":"user","content":"x"}]})", "model"},
      {R"({"model":7,"max_tokens":5,"messages":[{"role":"user","content":"x"}]})", "model"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}]})", "max_tokens"},
      {R"({"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]})", "max_tokens"},
      {R"({"model":"m","max_tokens":"5","messages":[{"role":"user","content":"x"}]})",
       "max_tokens"},
      {R"({"model":"m","max_tokens":1.5,"messages":[{"role":"user","content":"x"}]})",
       "max_tokens"},
      {R"({"model":"m","max_tokens":5})", "messages"},
      {R"({"model":"m","max_tokens":5,"messages":{}})", "messages"},
      {R"({"model":"m","max_tokens":5,"messages":[]})", "messages"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"system","content":"x"}]})",
       "messages[0].role"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":5}]})",
       "messages[0].content"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"video"}]}]})",
       "messages[0].content[0].type"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_use","id":"a","name":"f","input":{}}]}]})",
       "messages[0].content[0].type"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"a","name":"f","input":"{}"}]}]})",
       "messages[0].content[0].input"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_result"}]}]})",
       "messages[0].content[0].tool_use_id"},
      {R"({"model":"m","max_tokens":5,"system":[{"type":"image"}],"messages":[{"role":"user","content":"x"}]})",
       "system[0]"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tools":[{"name":"f"}]})",
       "tools[0].input_schema"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tools":[{"type":"web_search_20250305","name":"web_search"}]})",
       "tools[0].type"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"maybe"}})",
       "tool_choice.type"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"temperature":"hot"})",
       "temperature"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"stream":"yes"})",
       "stream"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"stop_sequences":[1]})",
       "stop_sequences[0]"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"metadata":{"user_id":3}})",
       "metadata.user_id"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.body);
    json::object out{{"untouched", true}};
    std::string error;
    std::string param;
    CHECK(!anthropic_request_to_openai(c.body, out, error, param));
    CHECK(param == c.param);
    CHECK(error.starts_with(param + ": "));
    CHECK(out == json::object{{"untouched", true}});
  }
}

TEST_CASE("ingress response: chat.completion becomes a Messages message") {
  json::object anthropic_message = openai_response_to_anthropic(parse_object(R"({
    "id": "chatcmpl-9", "object": "chat.completion", "created": 1, "model": "qwen3-32b",
    "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
      "role": "assistant", "content": "On it.",
      "tool_calls": [{"id": "call_1", "type": "function",
                      "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}},
                     {"id": "call_2", "type": "function",
                      "function": {"name": "broken", "arguments": "{oops"}}]}}],
    "usage": {"prompt_tokens": 50, "completion_tokens": 7, "total_tokens": 57,
              "prompt_tokens_details": {"cached_tokens": 30}}
  })"));
  CHECK(anthropic_message == parse_object(R"({
    "id": "chatcmpl-9", "type": "message", "role": "assistant", "model": "qwen3-32b",
    "content": [{"type": "text", "text": "On it."},
                {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"city": "Oslo"}},
                {"type": "tool_use", "id": "call_2", "name": "broken", "input": {}}],
    "stop_reason": "tool_use", "stop_sequence": null,
    "usage": {"input_tokens": 20, "output_tokens": 7, "cache_read_input_tokens": 30}
  })"));

  struct Case {
    const char* finish_reason;
    const char* stop_reason;
  };
  for (const auto& c : {Case{"stop", "end_turn"}, Case{"length", "max_tokens"},
                        Case{"content_filter", "refusal"}}) {
    json::object message = openai_response_to_anthropic(parse_object(
        std::string(R"({"id":"x","model":"m","choices":[{"index":0,"finish_reason":")") +
        c.finish_reason + R"(","message":{"role":"assistant","content":"hi"}}]})"));
    CHECK(message["stop_reason"] == c.stop_reason);
    CHECK(message["content"] == json::parse(R"([{"type":"text","text":"hi"}])"));
  }
}

TEST_CASE("ingress stream: text answer, exact Anthropic event bytes") {
  AnthropicStreamWriter writer;
  writer.set_input_tokens(12);
  std::string out;
  writer.on_chunk(chunk(R"({"role":"assistant","content":""})"), out);
  writer.on_chunk(chunk(R"({"content":"Hel"})"), out);
  writer.on_chunk(chunk(R"({"content":"lo"})"), out);
  writer.on_chunk(chunk("{}", R"("stop")"), out);
  writer.on_chunk(R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,)"
                  R"("model":"gpt-4o","choices":[],"usage":{"prompt_tokens":12}})",
                  out);
  Usage usage;
  usage.prompt_tokens = 12;
  usage.completion_tokens = 2;
  writer.finish(usage, out);
  CHECK(writer.finished());

  const std::string expected =
      "event: message_start\n"
      R"(data: {"type":"message_start","message":{"id":"chatcmpl-1","type":"message","role":"assistant","model":"gpt-4o","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":0}}})"
      "\n\nevent: content_block_start\n"
      R"(data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"
      "\n\nevent: content_block_delta\n"
      R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}})"
      "\n\nevent: content_block_delta\n"
      R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"lo"}})"
      "\n\nevent: content_block_stop\n"
      R"(data: {"type":"content_block_stop","index":0})"
      "\n\nevent: message_delta\n"
      R"(data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":12,"cache_read_input_tokens":0,"output_tokens":2}})"
      "\n\nevent: message_stop\n"
      R"(data: {"type":"message_stop"})"
      "\n\n";
  CHECK(out == expected);

  // Nothing more once finished.
  std::string after;
  writer.on_chunk(chunk(R"({"content":"late"})"), after);
  writer.finish(usage, after);
  CHECK(after.empty());
}

TEST_CASE("ingress stream: text then two tool calls, blocks numbered in order") {
  AnthropicStreamWriter writer;
  std::string out;
  writer.on_chunk(chunk(R"({"role":"assistant","content":""})"), out);
  writer.on_chunk(chunk(R"({"content":"Let me check."})"), out);
  writer.on_chunk(chunk(R"({"tool_calls":[{"index":0,"id":"call_a","type":"function",)"
                        R"("function":{"name":"get_weather","arguments":""}}]})"),
                  out);
  writer.on_chunk(chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]})"),
                  out);
  writer.on_chunk(chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]})"),
                  out);
  writer.on_chunk(chunk(R"({"tool_calls":[{"index":1,"id":"call_b","type":"function",)"
                        R"("function":{"name":"get_time","arguments":"{}"}}]})"),
                  out);
  writer.on_chunk(chunk("{}", R"("tool_calls")"), out);
  Usage usage;
  usage.completion_tokens = 30;
  writer.finish(usage, out);

  std::vector<Event> events = decode_events(out);
  std::vector<std::string> names;
  for (const auto& event : events) {
    names.push_back(event.name);
    // Anthropic repeats the event name in the payload.
    CHECK(anthropic::string_or(event.data, "type") == event.name);
  }
  CHECK(names == std::vector<std::string>{
                     "message_start", "content_block_start", "content_block_delta",
                     "content_block_stop", "content_block_start", "content_block_delta",
                     "content_block_delta", "content_block_stop", "content_block_start",
                     "content_block_delta", "content_block_stop", "message_delta", "message_stop"});
  CHECK(events[1].data["index"] == 0);
  CHECK(events[4].data["index"] == 1);
  CHECK(events[4].data["content_block"] ==
        json::parse(R"({"type":"tool_use","id":"call_a","name":"get_weather","input":{}})"));
  CHECK(events[8].data["index"] == 2);
  CHECK(events[8].data["content_block"].as_object()["id"] == "call_b");

  // The partial_json pieces of block 1 join into the call's arguments.
  std::string arguments;
  for (const auto& event : events) {
    if (event.name == "content_block_delta" && event.data.at("index") == 1) {
      arguments += event.data.at("delta").at("partial_json").as_string();
    }
  }
  CHECK(json::parse(arguments) == json::parse(R"({"city":"Paris"})"));
  CHECK(events[11].data["delta"].as_object()["stop_reason"] == "tool_use");
  CHECK(events[11].data["usage"] == json::parse(R"({"output_tokens":30})"));
}

TEST_CASE("ingress stream: an empty answer and an in-stream failure stay well formed") {
  AnthropicStreamWriter empty;
  std::string out;
  Usage usage;
  usage.prompt_tokens = 9;
  empty.finish(usage, out);
  std::vector<Event> events = decode_events(out);
  REQUIRE(events.size() == 3);
  CHECK(events[0].name == "message_start");
  CHECK(events[0].data["message"].as_object()["usage"].as_object()["input_tokens"] == 9);
  CHECK(events[1].name == "message_delta");
  CHECK(events[2].name == "message_stop");

  AnthropicStreamWriter failing;
  out.clear();
  failing.on_chunk(chunk(R"({"content":"par"})"), out);
  out.clear();
  failing.fail("overloaded_error", "Overloaded", out);
  CHECK(out ==
        "event: error\n"
        R"(data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"
        "\n\n");
  CHECK(failing.finished());
}

TEST_CASE("ingress errors: Anthropic error envelope by status") {
  struct Case {
    int status;
    const char* type;
  };
  const Case cases[] = {{400, "invalid_request_error"},
                        {401, "authentication_error"},
                        {403, "permission_error"},
                        {404, "not_found_error"},
                        {413, "request_too_large"},
                        {422, "invalid_request_error"},
                        {429, "rate_limit_error"},
                        {500, "api_error"},
                        {502, "api_error"},
                        {503, "overloaded_error"},
                        {529, "overloaded_error"}};
  for (const auto& c : cases) {
    CAPTURE(c.status);
    json::object body = parse_object(anthropic_error_body(c.status, "it \"broke\""));
    CHECK(body ==
          json::object{{"type", "error"},
                       {"error", json::object{{"type", c.type}, {"message", "it \"broke\""}}}});
  }
}

TEST_CASE("round trip OpenAI -> Anthropic -> OpenAI keeps tool ids and arguments") {
  json::object original = parse_object(R"({
    "model": "m", "max_tokens": 100,
    "messages": [
      {"role": "system", "content": "Use tools."},
      {"role": "user", "content": "Weather in Paris and Oslo?"},
      {"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_paris", "type": "function",
         "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\",\"days\":[1,2]}"}},
        {"id": "call_oslo", "type": "function",
         "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}}]},
      {"role": "tool", "tool_call_id": "call_paris", "content": "18 C"},
      {"role": "tool", "tool_call_id": "call_oslo", "content": "4 C"},
      {"role": "assistant", "content": "Paris is warmer."},
      {"role": "user", "content": "Thanks"}
    ],
    "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
               "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
    "tool_choice": "required"
  })");
  std::vector<std::string> notes;
  anthropic::EncodeInput input{&original, "m", 100, false, ""};
  std::string anthropic_body = json::serialize(anthropic::encode_messages_body(input, notes));
  CHECK(notes.empty());

  json::object back = to_openai(anthropic_body);
  CHECK_MESSAGE(back["messages"] == original["messages"], "got " << json::serialize(back));
  CHECK(back["tools"] == original["tools"]);
  CHECK(back["tool_choice"] == original["tool_choice"]);
  CHECK(back["max_tokens"] == 100);
}
