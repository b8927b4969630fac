#pragma once
// The Anthropic-compatible front door: POST /v1/messages from Anthropic
// clients is translated into the canonical OpenAI Chat Completions shape, so
// it can be routed to any upstream, and the canonical answer is translated
// back into a Messages API message, event stream or error.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/json/object.hpp>

#include "providers/codec.hpp"

namespace switchyard::providers {

// Messages request body -> canonical OpenAI body. Strict: malformed JSON, a
// missing model / max_tokens / messages, or a field of the wrong type gives
// false, `error` naming the field and `param` its path ("messages[1].role").
// When streaming, stream_options.include_usage is set so usage reaches us.
bool anthropic_request_to_openai(std::string_view body, boost::json::object& openai_body,
                                 std::string& error, std::string& param);

// chat.completion -> Messages API message {id, type, role, model, content,
// stop_reason, stop_sequence, usage}.
boost::json::object openai_response_to_anthropic(const boost::json::object& completion);

// {"type":"error","error":{"type":...,"message":...}}, the type chosen by the
// HTTP status as Anthropic does (400 invalid_request_error ... 529
// overloaded_error).
std::string anthropic_error_body(int http_status, std::string_view message);

// Canonical chat.completion.chunk payloads -> Anthropic SSE bytes. One per
// streamed request: message_start comes first, then content_block_start /
// delta / stop per text or tool_use block, and finish() closes the message.
class AnthropicStreamWriter {
 public:
  // Prompt tokens for message_start, when the flow knows them before the
  // first chunk (e.g. from an estimate or the upstream's message_start).
  void set_input_tokens(std::int64_t tokens) { input_tokens_ = tokens; }

  void on_chunk(std::string_view chunk_json, std::string& out);
  // Closes the open block and writes message_delta (stop_reason, usage) and
  // message_stop. Writes message_start first when no chunk came.
  void finish(const Usage& usage, std::string& out);
  // An in-stream failure: `event: error` with {"type":"error","error":{...}}.
  void fail(std::string_view type, std::string_view message, std::string& out);

  bool finished() const { return finished_; }

 private:
  void start_message(const boost::json::object* chunk, std::string& out);
  void open_block(boost::json::object content_block, std::string& out);
  void close_block(std::string& out);
  void on_tool_call(const boost::json::object& call, std::string& out);

  bool started_ = false;
  bool finished_ = false;
  std::int64_t input_tokens_ = 0;
  std::int64_t next_block_ = 0;   // index the next content block gets
  std::int64_t open_block_ = -1;  // index of the open block, -1 when none
  bool open_is_text_ = false;
  // OpenAI tool_calls index -> Anthropic content block index.
  std::unordered_map<std::int64_t, std::int64_t> block_by_tool_index_;
  std::string stop_reason_ = "end_turn";
};

}  // namespace switchyard::providers
