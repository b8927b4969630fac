// The Anthropic Messages dialect, byte for byte: the Messages body becomes
// the canonical request; answers, streams and errors go back in Anthropic's
// shapes.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "gateway/flow/dialects/client_dialect.hpp"

using namespace switchyard;
namespace json = boost::json;

namespace {
const ClientDialect& dialect() {
  return anthropic_messages_dialect();
}
}  // namespace

TEST_SUITE("dialect anthropic messages") {
  TEST_CASE("parses a Messages body into the canonical request") {
    ChatRequest chat;
    Error error;
    REQUIRE(dialect().parse(
        R"({"model":"test/alpha","max_tokens":50,"stream":true,"system":"Be brief.",)"
        R"("messages":[{"role":"user","content":"Hi"}]})",
        chat, error));
    CHECK(chat.model == "test/alpha");
    CHECK(chat.stream);
    CHECK(chat.include_usage);  // usage is always asked for a Messages stream
    const json::array& messages = chat.body.at("messages").as_array();
    REQUIRE(messages.size() == 2);
    CHECK(messages[0].at("role") == "system");
    CHECK(std::string_view(dialect().route()) == "messages");
  }

  TEST_CASE("a body that is not a Messages request is a 400 naming the field") {
    ChatRequest chat;
    Error error;
    CHECK_FALSE(dialect().parse(R"({"model":"m","messages":[]})", chat, error));
    CHECK(error.code == ErrorCode::invalid_request);
    CHECK(error.param == "max_tokens");
    Error broken;
    CHECK_FALSE(dialect().parse("{", chat, broken));
    CHECK(broken.code == ErrorCode::invalid_json);
  }

  TEST_CASE("the answer is a Messages message") {
    json::object completion = json::parse(R"({"id":"c1","object":"chat.completion","model":"m",)"
                                          R"("choices":[{"index":0,"finish_reason":"stop",)"
                                          R"("message":{"role":"assistant","content":"Hello"}}],)"
                                          R"("usage":{"prompt_tokens":4,"completion_tokens":1}})")
                                  .as_object();
    json::object message = json::parse(dialect().answer(completion, 0)).as_object();
    CHECK(message["type"] == "message");
    CHECK(message["role"] == "assistant");
    CHECK(message["stop_reason"] == "end_turn");
    CHECK(message["content"].as_array()[0].as_object()["text"] == "Hello");
    CHECK(message["usage"].as_object()["input_tokens"] == 4);
    CHECK(message["usage"].as_object()["output_tokens"] == 1);
  }

  TEST_CASE("errors are Anthropic error envelopes") {
    CHECK(dialect().error_body(make_error(ErrorCode::shutting_down, "stopping")) ==
          R"({"type":"error","error":{"type":"overloaded_error","message":"stopping"}})");
    CHECK(dialect().error_body(make_error(ErrorCode::invalid_request, "bad")) ==
          R"({"type":"error","error":{"type":"invalid_request_error","message":"bad"}})");
  }

  TEST_CASE("a stream is Anthropic's event sequence, closed by message_stop") {
    ChatRequest chat;
    auto stream = dialect().open_stream(chat);
    std::string out;
    stream->on_chunk(R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,)"
                     R"("model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hi"}}]})",
                     out);
    CHECK(out.starts_with("event: message_start\n"));
    CHECK(out.find("event: content_block_start\n") != std::string::npos);
    CHECK(out.find(R"("delta":{"type":"text_delta","text":"Hi"})") != std::string::npos);
    providers::Usage usage;
    usage.prompt_tokens = 5;
    usage.completion_tokens = 1;
    std::string tail;
    stream->on_finish({}, usage, 0, tail);
    CHECK(
        tail ==
        "event: content_block_stop\n"
        R"(data: {"type":"content_block_stop","index":0})"
        "\n\nevent: message_delta\n"
        R"(data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":5,"cache_read_input_tokens":0,"output_tokens":1}})"
        "\n\nevent: message_stop\n"
        R"(data: {"type":"message_stop"})"
        "\n\n");
  }

  TEST_CASE("an in-stream error is Anthropic's error event, no message_stop") {
    ChatRequest chat;
    auto stream = dialect().open_stream(chat);
    std::string out;
    stream->on_error(make_error(ErrorCode::shutting_down, "stopping"), out);
    CHECK(out ==
          "event: error\n"
          R"(data: {"type":"error","error":{"type":"api_error","message":"stopping"}})"
          "\n\n");
    CHECK(out.find("message_stop") == std::string::npos);
  }
}
