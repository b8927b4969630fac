// The Anthropic Messages codec, against golden transcripts in
// tests/unit/providers/anthropic/golden: requests out, answers, streams and errors back.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "providers/anthropic/messages.hpp"
#include "providers/canonical/chat_request.hpp"
#include "providers/codec.hpp"
#include "providers/sse/sse.hpp"

#ifndef SWITCHYARD_SOURCE_DIR
#define SWITCHYARD_SOURCE_DIR "."
#endif

namespace json = boost::json;
using namespace switchyard;
using namespace switchyard::providers;

namespace {

constexpr std::int64_t kCreated = 1700000000;

std::string read_golden(const std::string& name) {
  std::ifstream file(
      std::string(SWITCHYARD_SOURCE_DIR "/tests/unit/providers/anthropic/golden/") + name,
      std::ios::binary);
  REQUIRE_MESSAGE(file.good(), "missing golden file " << name);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

json::object parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  REQUIRE_MESSAGE(!ec, "invalid JSON: " << text);
  REQUIRE(value.is_object());
  return value.get_object();
}

std::vector<std::string> read_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

struct StreamResult {
  std::vector<std::string> chunks;
  StreamStep last = StreamStep::more;
  UpstreamError error;
  Usage usage;
};

// Feeds `bytes` split once at `split` through a real SSE decoder.
StreamResult run_stream(std::string_view bytes, std::size_t split) {
  StreamResult result;
  anthropic::StreamTranslator translator(kCreated, "fallback-model");
  SseDecoder decoder;
  auto on_event = [&](const SseEvent& event) {
    if (result.last != StreamStep::more) return;  // nothing is read after done/failed
    result.last = translator.on_event(event, result.chunks, result.error);
  };
  REQUIRE(decoder.feed(bytes.substr(0, split), on_event));
  REQUIRE(decoder.feed(bytes.substr(split), on_event));
  result.usage = translator.usage();
  return result;
}

struct Fixture {
  config::Provider provider;
  config::Endpoint endpoint;
  config::Model model;
  ChatRequest request;

  Fixture() {
    provider.kind = config::ProviderKind::anthropic;
    provider.api_key = "sk-ant-test-key";
    provider.anthropic_version = "2023-06-01";
    endpoint.upstream_model = "claude-sonnet-4-5-20250929";
    model.max_output_tokens = 1024;
  }
};

std::string header(const UpstreamRequest& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

// A non-streamed body through the codec, in one piece.
BodyOutput decode_whole(std::string_view body) {
  Fixture f;
  auto codec = make_anthropic_codec();
  codec->encode(f.request, f.provider, f.endpoint, f.model);
  BodyOutput out;
  codec->on_body(body, true, out);
  return out;
}

}  // namespace

TEST_CASE("anthropic encode: golden OpenAI request becomes the golden Messages request") {
  Fixture f;
  f.request.body = parse_object(read_golden("request.openai.json"));
  f.request.stream = true;
  f.request.user = "user-42";
  auto codec = make_anthropic_codec();
  UpstreamRequest out = codec->encode(f.request, f.provider, f.endpoint, f.model);

  CHECK(out.path == "/messages");
  CHECK(header(out, "x-api-key") == "sk-ant-test-key");
  CHECK(header(out, "anthropic-version") == "2023-06-01");
  CHECK(header(out, "content-type") == "application/json");
  json::object expected = parse_object(read_golden("request.anthropic.json"));
  json::object actual = parse_object(out.body);
  CHECK_MESSAGE(actual == expected, "got " << out.body);
}

TEST_CASE("anthropic encode: max_tokens, key header and a lone system prompt") {
  Fixture f;
  f.provider.api_key.clear();
  f.request.body = parse_object(
      R"({"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]})");
  auto codec = make_anthropic_codec();

  UpstreamRequest out = codec->encode(f.request, f.provider, f.endpoint, f.model);
  json::object body = parse_object(out.body);
  CHECK(header(out, "x-api-key") == "<absent>");
  CHECK(body["max_tokens"] == 1024);  // the catalog's max_output_tokens
  CHECK(body["system"] == "Be brief.");
  CHECK(body["messages"] == json::parse(R"([{"role":"user","content":"Hi"}])"));
  CHECK(!body.contains("stream"));
  CHECK(!body.contains("metadata"));

  f.request.max_tokens = 77;
  body = parse_object(codec->encode(f.request, f.provider, f.endpoint, f.model).body);
  CHECK(body["max_tokens"] == 77);
}

TEST_CASE("anthropic encode: tool_choice, parallel calls and dropped fields") {
  struct Case {
    const char* openai;
    const char* anthropic;  // expected tool_choice, "" when absent
  };
  const Case cases[] = {
      {R"("auto")", R"({"type":"auto"})"},
      {R"("required")", R"({"type":"any"})"},
      {R"("none")", R"({"type":"none"})"},
      {R"({"type":"function","function":{"name":"f"}})", R"({"type":"tool","name":"f"})"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.openai);
    json::object request = parse_object(
        std::string(R"({"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function",)"
                    R"("function":{"name":"f"}}],"tool_choice":)") +
        c.openai + "}");
    std::vector<std::string> notes;
    anthropic::EncodeInput input{&request, "m", 10, false, ""};
    json::object body = anthropic::encode_messages_body(input, notes);
    CHECK(body["tool_choice"] == json::parse(c.anthropic));
    CHECK(notes.empty());
  }

  json::object request = parse_object(
      R"({"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":)"
      R"({"name":"f"}}],"parallel_tool_calls":false,"logit_bias":{},"temperature":1.7})");
  std::vector<std::string> notes;
  anthropic::EncodeInput input{&request, "m", 10, false, ""};
  json::object body = anthropic::encode_messages_body(input, notes);
  CHECK(body["tool_choice"] == json::parse(R"({"type":"auto","disable_parallel_tool_use":true})"));
  CHECK(body["temperature"] == 1.0);  // Anthropic's range ends at 1
  CHECK(!body.contains("logit_bias"));
  CHECK(std::find(notes.begin(), notes.end(), "dropped field 'logit_bias'") != notes.end());
}

TEST_CASE("anthropic encode: invalid tool-call arguments are sent as {} with a note") {
  json::object request = parse_object(R"({"messages":[
    {"role":"user","content":"go"},
    {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
      "function":{"name":"f","arguments":"{not json"}}]},
    {"role":"tool","tool_call_id":"call_1","content":"done"}]})");
  std::vector<std::string> notes;
  anthropic::EncodeInput input{&request, "m", 10, false, ""};
  json::object body = anthropic::encode_messages_body(input, notes);
  CHECK(body["messages"] == json::parse(R"([
    {"role":"user","content":"go"},
    {"role":"assistant","content":[{"type":"tool_use","id":"call_1","name":"f","input":{}}]},
    {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"done"}]}])"));
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].find("call_1") != std::string::npos);
}

TEST_CASE("anthropic decode_response: golden message becomes the golden chat.completion") {
  json::object message = parse_object(read_golden("response.anthropic.json"));
  json::object completion;
  Usage usage;
  REQUIRE(anthropic::message_to_completion(message, kCreated, completion, usage));
  json::object expected = parse_object(read_golden("response.openai.json"));
  CHECK_MESSAGE(completion == expected, "got " << json::serialize(completion));

  CHECK(usage.reported);
  CHECK(usage.prompt_tokens == 420);  // 100 fresh + 300 cache reads + 20 cache writes
  CHECK(usage.completion_tokens == 45);
  CHECK(usage.cached_prompt_tokens == 300);
  CHECK(usage.cache_creation_tokens == 20);
  CHECK(usage.raw == expected["usage"]);

  // Through the codec: same answer, created is now, usage is filled.
  Fixture f;
  auto codec = make_anthropic_codec();
  codec->encode(f.request, f.provider, f.endpoint, f.model);
  BodyOutput result;
  codec->on_body(read_golden("response.anthropic.json"), true, result);
  REQUIRE(result.end == BodyEnd::complete);
  json::object& out = result.completion;
  CHECK(out["created"].as_int64() > kCreated);
  out["created"] = kCreated;
  CHECK(out == expected);
  CHECK(result.usage.prompt_tokens == 420);
}

TEST_CASE("anthropic decode_response: stop reasons and a text-only answer") {
  struct Case {
    const char* stop_reason;
    const char* finish_reason;
  };
  const Case cases[] = {{"end_turn", "stop"},     {"stop_sequence", "stop"},
                        {"max_tokens", "length"}, {"tool_use", "tool_calls"},
                        {"pause_turn", "stop"},   {"refusal", "content_filter"}};
  for (const auto& c : cases) {
    CAPTURE(c.stop_reason);
    std::string body = std::string(R"({"id":"msg_1","type":"message","role":"assistant",)"
                                   R"("model":"claude","content":[{"type":"text","text":"Hi"}],)"
                                   R"("stop_reason":")") +
                       c.stop_reason + R"(","usage":{"input_tokens":3,"output_tokens":1}})";
    BodyOutput result = decode_whole(body);
    REQUIRE(result.end == BodyEnd::complete);
    json::object& out = result.completion;
    json::object& choice = out["choices"].as_array()[0].as_object();
    CHECK(choice["finish_reason"] == c.finish_reason);
    CHECK(choice["message"].as_object()["content"] == "Hi");
    CHECK(!choice["message"].as_object().contains("tool_calls"));
  }

  BodyOutput refused = decode_whole(R"({"object":"chat.completion"})");
  CHECK(refused.end == BodyEnd::failed);
  CHECK(refused.error.kind == FailureKind::protocol);
  refused = decode_whole("not json");
  CHECK(refused.end == BodyEnd::failed);
  CHECK(refused.error.kind == FailureKind::protocol);
}

TEST_CASE("anthropic stream: documented transcript gives the same chunks at every split") {
  const std::string sse = read_golden("stream_tool_use.sse");
  const std::vector<std::string> expected = read_lines(read_golden("stream_tool_use.chunks.jsonl"));
  std::string crlf;
  for (char c : sse) {
    if (c == '\n') crlf.push_back('\r');
    crlf.push_back(c);
  }

  for (const std::string* transcript : {&sse, static_cast<const std::string*>(&crlf)}) {
    for (std::size_t split = 0; split <= transcript->size(); ++split) {
      StreamResult result = run_stream(*transcript, split);
      INFO("split at byte " << split);
      REQUIRE(result.last == StreamStep::done);
      REQUIRE(result.chunks == expected);
      CHECK(result.usage.prompt_tokens == 472);
      CHECK(result.usage.completion_tokens == 89);  // message_delta's cumulative count
    }
  }
}

TEST_CASE("anthropic stream: identity and usage in OpenAI shape travel in the output") {
  Fixture f;
  f.request.body = parse_object(R"({"messages":[{"role":"user","content":"x"}]})");
  f.request.stream = true;
  auto codec = make_anthropic_codec();
  codec->encode(f.request, f.provider, f.endpoint, f.model);

  BodyOutput out;
  codec->on_body(read_golden("stream_tool_use.sse"), false, out);
  CHECK(out.end == BodyEnd::complete);
  CHECK(out.stream.id == "msg_014p7gG3wDgGV9EUtLvnow3U");
  CHECK(out.stream.created > kCreated);
  CHECK(out.stream.model == "claude-sonnet-4-5-20250929");
  CHECK(out.usage.reported);
  CHECK(out.usage.raw == json::parse(R"({"prompt_tokens":472,"completion_tokens":89,)"
                                     R"("total_tokens":561,"prompt_tokens_details":)"
                                     R"({"cached_tokens":0}})"));
}

TEST_CASE("anthropic stream: complete only after message_stop") {
  Fixture f;
  f.request.body = parse_object(R"({"messages":[{"role":"user","content":"x"}]})");
  f.request.stream = true;
  const std::string sse = read_golden("stream_tool_use.sse");
  const std::size_t stop = sse.find("event: message_stop");
  REQUIRE(stop != std::string::npos);
  // Everything up to message_stop, stop_reason included, then a clean end.
  auto codec = make_anthropic_codec();
  codec->encode(f.request, f.provider, f.endpoint, f.model);
  BodyOutput out;
  codec->on_body(std::string_view(sse).substr(0, stop), true, out);
  CHECK(out.end == BodyEnd::truncated);
}

TEST_CASE("anthropic stream: thinking deltas become reasoning_content, signatures vanish") {
  const std::string sse =
      "event: message_start\n"
      R"(data: {"type":"message_start","message":{"id":"msg_t","type":"message","role":)"
      R"("assistant","model":"claude","content":[],"usage":{"input_tokens":5,"output_tokens":1}}})"
      "\n\nevent: content_block_start\n"
      R"(data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}})"
      "\n\nevent: content_block_delta\n"
      R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"2+2=4"}})"
      "\n\nevent: content_block_delta\n"
      R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQB"}})"
      "\n\n";
  StreamResult result = run_stream(sse, 0);
  REQUIRE(result.chunks.size() == 2);
  json::object role = parse_object(result.chunks[0]);
  CHECK(role["choices"].as_array()[0].as_object()["delta"] ==
        json::parse(R"({"role":"assistant","content":""})"));
  json::object thinking = parse_object(result.chunks[1]);
  CHECK(thinking["choices"].as_array()[0].as_object()["delta"] ==
        json::parse(R"({"reasoning_content":"2+2=4"})"));
  CHECK(result.last == StreamStep::more);
}

TEST_CASE("anthropic stream: in-stream errors fail the stream with the right kind") {
  const std::string overloaded =
      "event: message_start\n"
      R"(data: {"type":"message_start","message":{"id":"msg_e","model":"claude","usage":{"input_tokens":9,"output_tokens":0}}})"
      "\n\nevent: error\n"
      R"(data: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})"
      "\n\n";
  StreamResult result = run_stream(overloaded, 17);
  CHECK(result.last == StreamStep::failed);
  CHECK(result.chunks.empty());  // nothing reached the client: fallback is still possible
  CHECK(result.error.kind == FailureKind::server_error);
  CHECK(result.error.message == "anthropic: overloaded_error: Overloaded");

  result = run_stream(
      "event: error\n"
      R"(data: {"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})"
      "\n\n",
      0);
  CHECK(result.last == StreamStep::failed);
  CHECK(result.error.kind == FailureKind::rate_limited);

  result = run_stream("event: content_block_delta\ndata: {\"type\":\n\n", 0);
  CHECK(result.last == StreamStep::failed);
  CHECK(result.error.kind == FailureKind::protocol);
}

TEST_CASE("anthropic decode_error: status table, safe messages") {
  auto codec = make_anthropic_codec();
  auto body = [](std::string_view type, std::string_view message) {
    return R"({"type":"error","error":{"type":")" + std::string(type) + R"(","message":")" +
           std::string(message) + "\"}}";
  };

  UpstreamError e = codec->map_error(529, body("overloaded_error", "Overloaded"));
  CHECK(e.kind == FailureKind::server_error);
  CHECK(e.status == 529);
  CHECK(e.message == "anthropic: overloaded_error: Overloaded");

  e = codec->map_error(429, body("rate_limit_error", "Number of requests exceeded"));
  CHECK(e.kind == FailureKind::rate_limited);

  e = codec->map_error(500, body("api_error", "Internal server error"));
  CHECK(e.kind == FailureKind::server_error);

  e = codec->map_error(400, body("invalid_request_error", "max_tokens: field required"));
  CHECK(e.kind == FailureKind::client_error);
  CHECK(e.message == "anthropic: invalid_request_error: max_tokens: field required");

  e = codec->map_error(404, body("not_found_error", "model: claude-x"));
  CHECK(e.kind == FailureKind::client_error);

  e = codec->map_error(401, body("authentication_error", "invalid x-api-key sk-ant-api03-SECRET"));
  CHECK(e.kind == FailureKind::client_error);
  CHECK(e.message.find("SECRET") == std::string::npos);
  CHECK(e.message.find("sk-") == std::string::npos);

  e = codec->map_error(403, body("permission_error", "key sk-ant-api03-SECRET may not do this"));
  CHECK(e.kind == FailureKind::client_error);
  CHECK(e.message == "anthropic: permission_error: key [redacted] may not do this");

  e = codec->map_error(502, "<html>Bad Gateway</html>");
  CHECK(e.kind == FailureKind::server_error);
  CHECK(e.message.find("<html>") == std::string::npos);

  // Long messages are cut at 300 bytes without splitting a UTF-8 sequence.
  std::string long_message;
  for (int i = 0; i < 200; ++i) long_message += "\xE2\x82\xAC";  // the euro sign, 3 bytes
  e = codec->map_error(400, body("invalid_request_error", long_message));
  // 34 bytes of prefix + 88 whole signs; the 89th would straddle byte 300.
  CHECK(e.message.size() == 34 + 88 * 3);
  CHECK(e.message.ends_with("\xE2\x82\xAC"));
}

TEST_CASE("anthropic encode: dropped parameters are reported with the request") {
  Fixture f;
  f.request.body = parse_object(R"({"messages":[{"role":"user","content":"x"}],"logit_bias":{}})");
  auto codec = make_anthropic_codec();
  UpstreamRequest out = codec->encode(f.request, f.provider, f.endpoint, f.model);
  CHECK(std::find(out.dropped.begin(), out.dropped.end(), "dropped field 'logit_bias'") !=
        out.dropped.end());
}
