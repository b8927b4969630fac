// The /v1/messages ingress: Anthropic requests in, our answers, streams and
// errors out in Anthropic's shapes. Invariants: a translated request is strict
// JSON that keeps the model and the stream flag (asking for usage when
// streaming); every event we write is strict JSON whose type matches its
// event name, blocks open in order, one at a time, each closed once, and a
// finished stream ends with message_stop.
#include <string>

#include "providers/anthropic/ingress.hpp"
#include "tests/fuzz/codec_support.hpp"

namespace {

namespace json = boost::json;
using namespace switchyard;
using namespace switchyard::fuzz;

void fuzz_request(std::string_view payload) {
  json::object openai_body;
  std::string message;
  std::string param;
  if (!providers::anthropic_request_to_openai(payload, openai_body, message, param)) {
    SWITCHYARD_FUZZ_CHECK(!message.empty());
    return;
  }
  parse_ours(json::serialize(openai_body));
  json::value original;
  std::string reason;
  SWITCHYARD_FUZZ_CHECK(parse_json_strict(payload, original, reason));
  const json::object& anthropic = original.as_object();
  ChatRequest chat;
  ParseError error;
  if (!validate_chat_object(openai_body, chat, error)) return;  // a 400, as the flow answers
  SWITCHYARD_FUZZ_CHECK(anthropic.at("model").as_string() == chat.model);
  const json::value* stream = anthropic.if_contains("stream");
  bool streaming = stream && stream->is_bool() && stream->get_bool();
  SWITCHYARD_FUZZ_CHECK(chat.stream == streaming);
  if (streaming) SWITCHYARD_FUZZ_CHECK(chat.include_usage);
}

void fuzz_response(std::string_view payload) {
  boost::system::error_code ec;
  json::value completion = json::parse(payload, ec);
  if (ec || !completion.is_object()) return;
  json::object message = providers::openai_response_to_anthropic(completion.as_object());
  parse_ours(json::serialize(message));
  SWITCHYARD_FUZZ_CHECK(message.at("usage").at("input_tokens").as_int64() >= 0);
}

// Checks the event sequence an AnthropicStreamWriter produced.
void check_written_stream(std::string_view sse, bool finished) {
  std::int64_t next_index = 0;
  std::int64_t open_index = -1;
  std::size_t events = 0;
  std::string last;
  for_each_event(sse, [&](const providers::SseEvent& event) {
    json::object data = parse_ours(event.data).as_object();
    SWITCHYARD_FUZZ_CHECK(data.at("type").as_string() == event.event);
    SWITCHYARD_FUZZ_CHECK((events == 0) == (event.event == "message_start"));
    SWITCHYARD_FUZZ_CHECK(last != "message_stop");
    if (event.event == "content_block_start") {
      SWITCHYARD_FUZZ_CHECK(open_index == -1);
      SWITCHYARD_FUZZ_CHECK(data.at("index").as_int64() == next_index);
      open_index = next_index++;
    } else if (event.event == "content_block_stop") {
      SWITCHYARD_FUZZ_CHECK(data.at("index").as_int64() == open_index);
      open_index = -1;
    } else if (event.event == "content_block_delta") {
      SWITCHYARD_FUZZ_CHECK(data.at("index").as_int64() < next_index);
    } else if (event.event == "message_stop") {
      SWITCHYARD_FUZZ_CHECK(open_index == -1);
    }
    last = event.event;
    ++events;
    return true;
  });
  if (finished) SWITCHYARD_FUZZ_CHECK(last == "message_stop");
}

void fuzz_stream(std::string_view payload) {
  providers::AnthropicStreamWriter writer;
  std::string out;
  for_each_event(payload, [&](const providers::SseEvent& event) {
    if (event.data == "[DONE]") return false;
    writer.on_chunk(event.data, out);
    return true;
  });
  providers::Usage usage;
  usage.prompt_tokens = 12;
  usage.completion_tokens = 3;
  writer.finish(usage, out);
  check_written_stream(out, true);
}

void fuzz_error(std::string_view payload) {
  if (payload.empty()) return;
  int status = 400 + static_cast<unsigned char>(payload[0]) % 200;
  std::string_view message = payload.substr(1);
  json::object body = parse_ours(providers::anthropic_error_body(status, message)).as_object();
  SWITCHYARD_FUZZ_CHECK(body.at("error").at("message").as_string() == valid_utf8(message));
  providers::AnthropicStreamWriter writer;
  std::string out;
  writer.on_chunk(R"({"id":"x","model":"m","choices":[{"delta":{"content":"hi"}}]})", out);
  writer.fail("api_error", message, out);
  SWITCHYARD_FUZZ_CHECK(writer.finished());
  check_written_stream(out, false);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  return run_direction(bytes, size, {fuzz_request, fuzz_response, fuzz_stream, fuzz_error});
}
