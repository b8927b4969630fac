// Canonical chat.completion.chunk payloads -> Anthropic Messages SSE, for
// clients of the Anthropic ingress. Anthropic numbers content blocks in the
// order they open and keeps one open at a time: text deltas go to an open
// text block, each new OpenAI tool call opens a tool_use block, and switching
// kind closes the previous block.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "providers/anthropic/ingress.hpp"
#include "providers/anthropic/messages.hpp"
#include "providers/canonical/strict_json.hpp"

namespace switchyard::providers {

using anthropic::find_int;
using anthropic::string_or;
using boost::json::array;
using boost::json::object;
using boost::json::value;

namespace {

void write_event(std::string& out, std::string_view name, const object& payload) {
  append_sse_event(out, name, boost::json::serialize(payload));
}

}  // namespace

void AnthropicStreamWriter::on_chunk(std::string_view chunk_json, std::string& out) {
  if (finished_) return;
  boost::system::error_code ec;
  value parsed = boost::json::parse(chunk_json, ec);
  const object* chunk = ec ? nullptr : parsed.if_object();
  if (!chunk) return;  // the flow only hands us its own serialisation
  if (!started_) start_message(chunk, out);

  const auto* choices = anthropic::find_array(*chunk, "choices");
  const object* choice = choices && !choices->empty() ? (*choices)[0].if_object() : nullptr;
  if (!choice) return;  // e.g. the usage-only chunk: finish() gets the usage
  if (const auto* delta = anthropic::find_object(*choice, "delta")) {
    if (auto text = string_or(*delta, "content"); !text.empty()) {
      if (!open_is_text_ || open_block_ < 0) {
        close_block(out);
        open_block(object{{"type", "text"}, {"text", ""}}, out);
        open_is_text_ = true;
      }
      object text_delta{{"type", "text_delta"}, {"text", text}};
      write_event(out, "content_block_delta",
                  object{{"type", "content_block_delta"},
                         {"index", open_block_},
                         {"delta", std::move(text_delta)}});
    }
    if (const auto* calls = anthropic::find_array(*delta, "tool_calls")) {
      for (const auto& call : *calls) {
        if (const auto* call_object = call.if_object()) on_tool_call(*call_object, out);
      }
    }
  }
  if (const auto* finish = anthropic::find_string(*choice, "finish_reason")) {
    stop_reason_ = anthropic::stop_reason_from_finish_reason(*finish);
  }
}

void AnthropicStreamWriter::on_tool_call(const object& call, std::string& out) {
  std::int64_t tool_index = find_int(call, "index").value_or(0);
  const object* function = anthropic::find_object(call, "function");
  auto found = block_by_tool_index_.find(tool_index);
  if (found == block_by_tool_index_.end()) {
    // The first delta of a call carries its id and name.
    std::string id(string_or(call, "id"));
    if (id.empty()) id = "toolu_" + std::to_string(tool_index);
    close_block(out);
    open_block(object{{"type", "tool_use"},
                      {"id", id},
                      {"name", function ? string_or(*function, "name") : std::string_view()},
                      {"input", object()}},
               out);
    open_is_text_ = false;
    found = block_by_tool_index_.emplace(tool_index, open_block_).first;
  }
  std::string_view arguments = function ? string_or(*function, "arguments") : std::string_view();
  if (arguments.empty()) return;
  object json_delta{{"type", "input_json_delta"}, {"partial_json", arguments}};
  // Deltas are addressed by index, so a late delta for an earlier call still
  // lands in its own block.
  write_event(out, "content_block_delta",
              object{{"type", "content_block_delta"},
                     {"index", found->second},
                     {"delta", std::move(json_delta)}});
}

void AnthropicStreamWriter::finish(const Usage& usage, std::string& out) {
  if (finished_) return;
  if (!started_) {
    if (input_tokens_ == 0) input_tokens_ = usage.prompt_tokens - usage.cached_prompt_tokens;
    start_message(nullptr, out);
  }
  close_block(out);
  object final_usage;
  // Anthropic's message_delta usage is cumulative; input counts are included
  // because message_start may have gone out before they were known.
  if (usage.prompt_tokens > 0) {
    final_usage["input_tokens"] = usage.prompt_tokens - usage.cached_prompt_tokens;
    final_usage["cache_read_input_tokens"] = usage.cached_prompt_tokens;
  }
  final_usage["output_tokens"] = usage.completion_tokens;
  object delta{{"stop_reason", stop_reason_}, {"stop_sequence", nullptr}};
  write_event(out, "message_delta",
              object{{"type", "message_delta"},
                     {"delta", std::move(delta)},
                     {"usage", std::move(final_usage)}});
  write_event(out, "message_stop", object{{"type", "message_stop"}});
  finished_ = true;
}

void AnthropicStreamWriter::fail(std::string_view type, std::string_view message,
                                 std::string& out) {
  if (finished_) return;
  object error{{"type", type}, {"message", valid_utf8(message)}};
  write_event(out, "error", object{{"type", "error"}, {"error", std::move(error)}});
  finished_ = true;
}

void AnthropicStreamWriter::start_message(const object* chunk, std::string& out) {
  started_ = true;
  std::string_view id = chunk ? string_or(*chunk, "id") : std::string_view();
  object message;
  message["id"] = id.empty() ? std::string_view("msg_switchyard") : id;
  message["type"] = "message";
  message["role"] = "assistant";
  message["model"] = chunk ? string_or(*chunk, "model") : std::string_view();
  message["content"] = array();
  message["stop_reason"] = nullptr;
  message["stop_sequence"] = nullptr;
  message["usage"] = object{{"input_tokens", input_tokens_}, {"output_tokens", 0}};
  write_event(out, "message_start",
              object{{"type", "message_start"}, {"message", std::move(message)}});
}

void AnthropicStreamWriter::open_block(object content_block, std::string& out) {
  open_block_ = next_block_++;
  write_event(out, "content_block_start",
              object{{"type", "content_block_start"},
                     {"index", open_block_},
                     {"content_block", std::move(content_block)}});
}

void AnthropicStreamWriter::close_block(std::string& out) {
  if (open_block_ < 0) return;
  write_event(out, "content_block_stop",
              object{{"type", "content_block_stop"}, {"index", open_block_}});
  open_block_ = -1;
  open_is_text_ = false;
}

}  // namespace switchyard::providers
