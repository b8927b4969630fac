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

SseEvent data(std::string payload) {
  return SseEvent{"message", std::move(payload), ""};
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
  auto codec = make_openai_codec();
  std::vector<std::string> chunks;
  UpstreamError error;
  const std::string first =
      R"({"id":"c9","object":"chat.completion.chunk","created":5,"model":"up",)"
      R"("choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})";
  const std::string second = R"({"id":"c9","choices":[{"index":0,"delta":{"content":"Hi"}}]})";
  const std::string usage =
      R"({"id":"c9","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":3,)"
      R"("prompt_tokens_details":{"cached_tokens":4}},"timings":{"predicted_ms":1.5}})";
  CHECK(codec->on_event(data(first), chunks, error) == StreamStep::more);
  CHECK(codec->on_event(data(second), chunks, error) == StreamStep::more);
  CHECK(codec->on_event(data(usage), chunks, error) == StreamStep::more);
  CHECK(codec->on_event(data("[DONE]"), chunks, error) == StreamStep::done);
  REQUIRE(chunks.size() == 2);
  CHECK(chunks[0] == first);
  CHECK(chunks[1] == second);
  CHECK(codec->usage().reported);
  CHECK(codec->usage().prompt_tokens == 11);
  CHECK(codec->usage().completion_tokens == 3);
  CHECK(codec->usage().cached_prompt_tokens == 4);
  CHECK(codec->stream_id() == "c9");
  CHECK(codec->stream_created() == 5);
  CHECK(codec->stream_model() == "up");
  CHECK(codec->stream_extras().contains("timings"));
}

TEST_CASE("openai stream: an error object in the stream fails it; non-JSON is a protocol error") {
  auto codec = make_openai_codec();
  std::vector<std::string> chunks;
  UpstreamError error;
  CHECK(codec->on_event(data(R"({"error":{"message":"overloaded"}})"), chunks, error) ==
        StreamStep::failed);
  CHECK(error.kind == FailureKind::server_error);
  CHECK(error.message.find("overloaded") != std::string::npos);
  auto other = make_openai_codec();
  CHECK(other->on_event(data("not json"), chunks, error) == StreamStep::failed);
  CHECK(error.kind == FailureKind::protocol);
  CHECK(chunks.empty());
}

TEST_CASE("openai decode: usage read (DeepSeek cache hits too); bodies without choices refused") {
  auto codec = make_openai_codec();
  json::object out;
  UpstreamError error;
  REQUIRE(codec->decode_response(
      R"({"id":"x","choices":[{"message":{"role":"assistant","content":"ok",)"
      R"("reasoning_content":"r"}}],"usage":{"prompt_tokens":9,"completion_tokens":2,)"
      R"("prompt_cache_hit_tokens":5}})",
      out, error));
  CHECK(out.at("choices").at(0).at("message").at("reasoning_content").as_string() == "r");
  CHECK(codec->usage().prompt_tokens == 9);
  CHECK(codec->usage().cached_prompt_tokens == 5);
  auto other = make_openai_codec();
  CHECK_FALSE(other->decode_response(R"({"id":"x"})", out, error));
  CHECK(error.kind == FailureKind::protocol);
}

TEST_CASE("openai decode_error: status decides retry class; the upstream message is kept short") {
  auto codec = make_openai_codec();
  CHECK(codec->decode_error(429, "{}").kind == FailureKind::rate_limited);
  CHECK(codec->decode_error(503, "").kind == FailureKind::server_error);
  CHECK(codec->decode_error(408, "").kind == FailureKind::timeout);
  UpstreamError bad = codec->decode_error(400, R"({"error":{"message":"bad temperature"}})");
  CHECK(bad.kind == FailureKind::client_error);
  CHECK(bad.status == 400);
  CHECK(bad.message == "upstream returned HTTP 400: bad temperature");
  std::string long_message(1000, 'x');
  UpstreamError truncated =
      codec->decode_error(500, R"({"error":{"message":")" + long_message + R"("}})");
  CHECK(truncated.message.size() < 400);
}
