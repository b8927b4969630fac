// The OpenAI-compatible codec: what goes upstream and what comes back.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "providers/canonical/chat_request.hpp"
#include "providers/codec.hpp"

namespace json = boost::json;
using namespace switchyard;
using namespace switchyard::providers;

namespace {

ChatRequest parse(std::string_view body) {
  ChatRequest request;
  ParseError error;
  REQUIRE_MESSAGE(parse_chat_request(body, request, error), error.message);
  return request;
}

config::Provider provider_with_key(std::string key) {
  config::Provider provider;
  provider.name = std::string("p");  // (a literal here trips a GCC 12 -Wrestrict false positive)
  provider.api_key = std::move(key);
  return provider;
}

config::Endpoint endpoint_named(std::string upstream) {
  config::Endpoint endpoint;
  endpoint.upstream_model = std::move(upstream);
  return endpoint;
}

// "data: <payload>\n\n" for each payload.
std::string sse(const std::vector<std::string>& payloads) {
  std::string out;
  for (const auto& payload : payloads) out += "data: " + payload + "\n\n";
  return out;
}

std::unique_ptr<Codec> codec_for(std::string_view body) {
  ChatRequest request = parse(body);
  auto codec = make_openai_codec();
  config::Model model;
  codec->encode(request, provider_with_key(""), endpoint_named("u"), model);
  return codec;
}

std::unique_ptr<Codec> stream_codec() {
  return codec_for(R"({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]})");
}

std::unique_ptr<Codec> whole_codec() {
  return codec_for(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
}

// Feeds bytes; returns the chunks that call produced.
std::vector<std::string> feed(Codec& codec, BodyOutput& out, std::string_view bytes, bool end) {
  codec.on_body(bytes, end, out);
  return out.chunks;
}

}  // namespace

TEST_CASE("openai encode: model rewritten, routing fields gone, unknown fields kept, key added") {
  ChatRequest request =
      parse(R"({"model":"test/alpha","models":["x/y"],"provider":{"sort":"price"},"seed":7,)"
            R"("logit_bias":{"50256":-100},"messages":[{"role":"user","content":"hi"}]})");
  auto codec = make_openai_codec();
  config::Model model;
  UpstreamRequest out =
      codec->encode(request, provider_with_key("sk-test"), endpoint_named("alpha-up"), model);
  CHECK(out.path == "/chat/completions");
  REQUIRE(out.headers.size() == 1);
  CHECK(out.headers[0].first == "Authorization");
  CHECK(out.headers[0].second == "Bearer sk-test");
  json::object body = json::parse(out.body).as_object();
  CHECK(body.at("model").as_string() == "alpha-up");
  CHECK_FALSE(body.contains("models"));
  CHECK_FALSE(body.contains("provider"));
  CHECK(body.at("seed").as_int64() == 7);
  CHECK(body.at("logit_bias").at("50256").as_int64() == -100);
  CHECK_FALSE(body.contains("stream_options"));
}

TEST_CASE("openai encode: streams always ask for usage, keeping the caller's other options") {
  ChatRequest request =
      parse(R"({"model":"m","stream":true,"stream_options":{"include_usage":false,"x":1},)"
            R"("messages":[{"role":"user","content":"hi"}]})");
  auto codec = make_openai_codec();
  config::Model model;
  UpstreamRequest out = codec->encode(request, provider_with_key(""), endpoint_named("u"), model);
  CHECK(out.headers.empty());  // no key configured: no Authorization header
  json::object body = json::parse(out.body).as_object();
  CHECK(body.at("stream_options").at("include_usage").as_bool());
  CHECK(body.at("stream_options").at("x").as_int64() == 1);
  CHECK_FALSE(request.include_usage);  // what the caller asked is remembered
}

TEST_CASE("openai stream: chunks relayed verbatim, usage chunk swallowed and kept, [DONE] ends") {
  auto codec = stream_codec();
  const std::string first =
      R"({"id":"c9","object":"chat.completion.chunk","created":5,"model":"up",)"
      R"("choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})";
  const std::string second = R"({"id":"c9","choices":[{"index":0,"delta":{"content":"Hi"}}]})";
  const std::string usage =
      R"({"id":"c9","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":3,)"
      R"("prompt_tokens_details":{"cached_tokens":4}},"timings":{"predicted_ms":1.5}})";
  BodyOutput out;
  std::vector<std::string> chunks = feed(*codec, out, sse({first, second, usage}), false);
  CHECK(out.end == BodyEnd::more);
  feed(*codec, out, sse({"[DONE]"}), false);
  CHECK(out.end == BodyEnd::complete);
  REQUIRE(chunks.size() == 2);
  CHECK(chunks[0] == first);
  CHECK(chunks[1] == second);
  CHECK(out.usage.reported);
  CHECK(out.usage.prompt_tokens == 11);
  CHECK(out.usage.completion_tokens == 3);
  CHECK(out.usage.cached_prompt_tokens == 4);
  CHECK(out.stream.id == "c9");
  CHECK(out.stream.created == 5);
  CHECK(out.stream.model == "up");
  CHECK(out.stream.extras.contains("timings"));
}

TEST_CASE("openai stream: complete only when the upstream said so") {
  const std::string hello = R"({"id":"c1","choices":[{"index":0,"delta":{"content":"Hel"},)"
                            R"("finish_reason":null}]})";
  const std::string stop = R"({"id":"c1","choices":[{"index":0,"delta":{},)"
                           R"("finish_reason": "stop"}]})";
  SUBCASE("a clean end after events without a finish_reason is truncated") {
    auto codec = stream_codec();
    BodyOutput out;
    feed(*codec, out, sse({hello}), true);
    CHECK(out.end == BodyEnd::truncated);
  }
  SUBCASE("a finish_reason and then the end of the body is complete, even without [DONE]") {
    auto codec = stream_codec();
    BodyOutput out;
    feed(*codec, out, sse({hello, stop}), false);
    CHECK(out.end == BodyEnd::more);  // the usage chunk and [DONE] may still come
    feed(*codec, out, "", true);
    CHECK(out.end == BodyEnd::complete);
  }
  SUBCASE("an empty body is truncated") {
    auto codec = stream_codec();
    BodyOutput out;
    feed(*codec, out, "", true);
    CHECK(out.end == BodyEnd::truncated);
  }
  SUBCASE("events after [DONE] change nothing") {
    auto codec = stream_codec();
    BodyOutput out;
    auto chunks = feed(*codec, out, sse({"[DONE]", hello}), true);
    CHECK(out.end == BodyEnd::complete);
    CHECK(chunks.empty());
  }
}

TEST_CASE("openai stream: the same chunks and end at every split of the bytes") {
  const std::string bytes = sse(
      {R"({"id":"c2","created":1,"model":"m","choices":[{"delta":{"content":"a"}}]})",
       R"({"id":"c2","choices":[{"delta":{"content":"b"},"finish_reason":"length"}]})",
       R"({"id":"c2","choices":[],"usage":{"prompt_tokens":2,"completion_tokens":2}})", "[DONE]"});
  for (std::size_t split = 0; split <= bytes.size(); ++split) {
    auto codec = stream_codec();
    BodyOutput out;
    auto chunks = feed(*codec, out, bytes.substr(0, split), false);
    for (auto& chunk : feed(*codec, out, bytes.substr(split), true)) chunks.push_back(chunk);
    CHECK(chunks.size() == 2);
    CHECK(out.end == BodyEnd::complete);
    CHECK(out.usage.completion_tokens == 2);
  }
}

TEST_CASE("openai stream: an error object in the stream fails it; non-JSON is a protocol error") {
  auto codec = stream_codec();
  BodyOutput out;
  auto chunks = feed(*codec, out, sse({R"({"error":{"message":"overloaded"}})"}), false);
  CHECK(out.end == BodyEnd::failed);
  CHECK(out.error.kind == FailureKind::server_error);
  CHECK(out.error.message.find("overloaded") != std::string::npos);
  auto other = stream_codec();
  BodyOutput other_out;
  chunks = feed(*other, other_out, sse({"not json"}), false);
  CHECK(other_out.end == BodyEnd::failed);
  CHECK(other_out.error.kind == FailureKind::protocol);
  CHECK(chunks.empty());
}

TEST_CASE("openai head: a stream request answered without an event stream is refused") {
  auto codec = stream_codec();
  ResponseHead head;
  head.status = 200;
  head.headers.emplace_back("content-type", "application/json");
  UpstreamError error;
  CHECK_FALSE(codec->on_head(head, error));
  CHECK(error.kind == FailureKind::protocol);
  head.headers[0].second = "text/event-stream; charset=utf-8";
  CHECK(codec->on_head(head, error));
}

TEST_CASE("openai decode: usage read (DeepSeek cache hits too); bodies without choices refused") {
  auto codec = whole_codec();
  BodyOutput out;
  const std::string body =
      R"({"id":"x","choices":[{"message":{"role":"assistant","content":"ok",)"
      R"("reasoning_content":"r"}}],"usage":{"prompt_tokens":9,"completion_tokens":2,)"
      R"("prompt_cache_hit_tokens":5}})";
  feed(*codec, out, body.substr(0, 10), false);
  CHECK(out.end == BodyEnd::more);
  feed(*codec, out, body.substr(10), true);
  REQUIRE(out.end == BodyEnd::complete);
  CHECK(out.completion.at("choices").at(0).at("message").at("reasoning_content").as_string() ==
        "r");
  CHECK(out.usage.prompt_tokens == 9);
  CHECK(out.usage.cached_prompt_tokens == 5);
  auto other = whole_codec();
  BodyOutput other_out;
  feed(*other, other_out, R"({"id":"x"})", true);
  CHECK(other_out.end == BodyEnd::failed);
  CHECK(other_out.error.kind == FailureKind::protocol);
}

TEST_CASE("openai decode_error: status decides retry class; the upstream message is kept short") {
  auto codec = make_openai_codec();
  CHECK(codec->map_error(429, "{}").kind == FailureKind::rate_limited);
  CHECK(codec->map_error(503, "").kind == FailureKind::server_error);
  CHECK(codec->map_error(408, "").kind == FailureKind::timeout);
  UpstreamError bad = codec->map_error(400, R"({"error":{"message":"bad temperature"}})");
  CHECK(bad.kind == FailureKind::client_error);
  CHECK(bad.status == 400);
  CHECK(bad.message == "upstream returned HTTP 400: bad temperature");
  std::string long_message(1000, 'x');
  UpstreamError truncated =
      codec->map_error(500, R"({"error":{"message":")" + long_message + R"("}})");
  CHECK(truncated.message.size() < 400);
}

TEST_CASE("openai stream: finish_reason is found however it is spaced, never when null") {
  const char* finished[] = {R"({"choices":[{"finish_reason":"stop"}]})",
                            R"({"choices":[{"finish_reason" : "length"}]})",
                            R"({"x_reason":"a","choices":[{"finish_reason":"tool_calls"}]})"};
  for (const char* chunk : finished) {
    CAPTURE(chunk);
    auto codec = stream_codec();
    BodyOutput out;
    feed(*codec, out, sse({chunk}), true);
    CHECK(out.end == BodyEnd::complete);
  }
  const char* open[] = {R"({"choices":[{"finish_reason":null}]})",
                        R"({"choices":[{"stop_reason":"x","finish_reason": null}]})",
                        R"({"choices":[{"delta":{"content":"finish_reason\" said"}}]})"};
  for (const char* chunk : open) {
    CAPTURE(chunk);
    auto codec = stream_codec();
    BodyOutput out;
    feed(*codec, out, sse({chunk}), true);
    CHECK(out.end == BodyEnd::truncated);
  }
}

TEST_CASE("openai errors: a key echoed in a stream error or a 200 error body is redacted") {
  auto streamed = stream_codec();
  BodyOutput stream_out;
  feed(*streamed, stream_out, sse({R"({"error":{"message":"bad key sk-abc,def"}})"}), false);
  CHECK(stream_out.end == BodyEnd::failed);
  CHECK(stream_out.error.message == "upstream stream error: bad key [redacted],def");

  auto whole = whole_codec();
  BodyOutput whole_out;
  feed(*whole, whole_out, R"({"error":"sk-xyz rejected"})", true);
  CHECK(whole_out.end == BodyEnd::failed);
  CHECK(whole_out.error.message == "upstream error: [redacted] rejected");
}
