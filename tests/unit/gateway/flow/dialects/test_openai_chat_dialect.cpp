// The OpenAI Chat Completions dialect, byte for byte: what it parses, and the
// answer, stream and error bytes it writes.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "gateway/flow/dialects/client_dialect.hpp"

using namespace switchyard;
namespace json = boost::json;

namespace {
const ClientDialect& dialect() {
  return openai_chat_dialect();
}
}  // namespace

TEST_SUITE("dialect openai chat") {
  TEST_CASE("parses a chat body into the canonical request") {
    ChatRequest chat;
    Error error;
    REQUIRE(dialect().parse(
        R"({"model":"test/alpha","stream":true,"stream_options":{"include_usage":true},)"
        R"("messages":[{"role":"user","content":"Hi"}]})",
        chat, error));
    CHECK(chat.model == "test/alpha");
    CHECK(chat.stream);
    CHECK(chat.include_usage);
    CHECK(std::string_view(dialect().route()) == "chat");
  }

  TEST_CASE("a malformed body is a 400 naming the problem") {
    ChatRequest chat;
    Error error;
    CHECK_FALSE(dialect().parse(R"({"model":)", chat, error));
    CHECK(error.code == ErrorCode::invalid_json);
    CHECK(http_status(error) == 400);
    Error missing;
    CHECK_FALSE(dialect().parse(R"({"messages":[{"role":"user","content":"x"}]})", chat, missing));
    CHECK(missing.param == "model");
  }

  TEST_CASE("the answer is the canonical completion with the usage cost") {
    json::object completion =
        json::parse(
            R"({"id":"c1","object":"chat.completion","choices":[],"usage":{"prompt_tokens":1}})")
            .as_object();
    std::string body = dialect().answer(completion, 0);
    CHECK(body.starts_with(
        R"({"id":"c1","object":"chat.completion","choices":[],"usage":{"prompt_tokens":1,"cost":)"));
    CHECK(json::parse(body).at("usage").as_object().contains("cost"));
  }

  TEST_CASE("errors are OpenAI error objects") {
    Error error = make_error(ErrorCode::shutting_down, "stopping");
    CHECK(
        dialect().error_body(error) ==
        R"({"error":{"message":"stopping","type":"server_error","param":null,"code":"shutting_down"}})");
  }

  TEST_CASE("a stream relays chunks and ends with the usage chunk and [DONE]") {
    ChatRequest chat;
    chat.include_usage = true;
    auto stream = dialect().open_stream(chat);
    std::string out;
    stream->on_chunk(R"({"choices":[{"delta":{"content":"Hi"}}]})", out);
    REQUIRE(out.starts_with("data: "));
    json::object relayed = json::parse(out.substr(6)).as_object();
    CHECK(relayed.at("usage").is_null());  // asked for usage: null until the last chunk

    StreamFacts facts{"chatcmpl-9", 1700000000, "alpha-upstream", {{"timings", 7}}};
    providers::Usage usage;
    usage.prompt_tokens = 3;
    usage.completion_tokens = 2;
    std::string tail;
    stream->on_finish(facts, usage, 0, tail);
    const std::string prefix = "data: ";
    const std::string done = "data: [DONE]\n\n";
    REQUIRE(tail.starts_with(prefix));
    REQUIRE(tail.ends_with(done));
    std::string payload = tail.substr(prefix.size(), tail.find("\n\n") - prefix.size());
    json::object chunk = json::parse(payload).as_object();
    CHECK(chunk["id"] == "chatcmpl-9");
    CHECK(chunk["object"] == "chat.completion.chunk");
    CHECK(chunk["created"] == 1700000000);
    CHECK(chunk["model"] == "alpha-upstream");
    CHECK(chunk["choices"].as_array().empty());
    CHECK(chunk["timings"] == 7);
    json::object& reported = chunk["usage"].as_object();
    CHECK(reported["prompt_tokens"] == 3);
    CHECK(reported["completion_tokens"] == 2);
    CHECK(reported["total_tokens"] == 5);
    CHECK(reported.contains("cost"));
  }

  TEST_CASE("without include_usage the stream ends with [DONE] alone") {
    ChatRequest chat;
    auto stream = dialect().open_stream(chat);
    std::string tail;
    stream->on_finish({}, {}, 0, tail);
    CHECK(tail == "data: [DONE]\n\n");
    CHECK(std::string_view(stream->content_type()) == "text/event-stream");
  }

  TEST_CASE("an in-stream error is one error event and no [DONE]") {
    ChatRequest chat;
    auto stream = dialect().open_stream(chat);
    std::string tail;
    stream->on_error(make_error(ErrorCode::upstream_truncated, "cut off"), tail);
    CHECK(
        tail ==
        "data: "
        R"({"error":{"message":"cut off","type":"upstream_error","param":null,"code":"upstream_truncated"}})"
        "\n\n");
  }
}
