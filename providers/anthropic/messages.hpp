#pragma once
// Internal to the Anthropic codec and ingress: the pieces of the OpenAI Chat
// Completions <-> Anthropic Messages translation that both directions share,
// kept apart from the Codec interface so they can be tested on plain JSON.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "providers/body_codec.hpp"
#include "providers/sse/sse.hpp"

namespace switchyard::providers::anthropic {

// ---- Small non-throwing accessors for untrusted JSON ----------------------

inline const boost::json::value* find(const boost::json::object& object, std::string_view key) {
  return object.if_contains(key);
}
inline const boost::json::object* find_object(const boost::json::object& object,
                                              std::string_view key) {
  const auto* value = object.if_contains(key);
  return value ? value->if_object() : nullptr;
}
inline const boost::json::array* find_array(const boost::json::object& object,
                                            std::string_view key) {
  const auto* value = object.if_contains(key);
  return value ? value->if_array() : nullptr;
}
inline const boost::json::string* find_string(const boost::json::object& object,
                                              std::string_view key) {
  const auto* value = object.if_contains(key);
  return value ? value->if_string() : nullptr;
}
inline std::string_view string_or(const boost::json::object& object, std::string_view key,
                                  std::string_view fallback = {}) {
  const auto* s = find_string(object, key);
  return s ? std::string_view(*s) : fallback;
}
// An integer field; doubles with an integral value are accepted (some servers
// write token counts as 12.0).
std::optional<std::int64_t> find_int(const boost::json::object& object, std::string_view key);

// ---- Upstream direction: OpenAI request -> Anthropic request --------------

struct EncodeInput {
  const boost::json::object* openai_body = nullptr;  // canonical Chat Completions body
  std::string_view upstream_model;
  std::int64_t max_tokens = 0;
  bool stream = false;
  std::string_view user;  // -> metadata.user_id when not empty
};

// Builds the Messages API body. `notes` collects what could not be carried
// over faithfully (dropped fields, invalid tool arguments), for logs and tests.
boost::json::object encode_messages_body(const EncodeInput& input, std::vector<std::string>& notes);

// ---- Upstream direction: Anthropic answers -> OpenAI -----------------------

// Merges the fields present in an Anthropic usage object into `usage` and
// rebuilds usage.raw in OpenAI shape. Fields that are absent keep their value,
// because message_delta may carry only output_tokens.
void merge_anthropic_usage(const boost::json::object& anthropic_usage, Usage& usage);
// {"prompt_tokens","completion_tokens","total_tokens","prompt_tokens_details"}
boost::json::object openai_usage_object(const Usage& usage);

// A Messages API message -> chat.completion. False when it is not a message.
bool message_to_completion(const boost::json::object& message, std::int64_t created,
                           boost::json::object& completion, Usage& usage);

// end_turn/stop_sequence/pause_turn -> stop, max_tokens -> length,
// tool_use -> tool_calls, refusal -> content_filter.
const char* finish_reason_from_stop_reason(std::string_view stop_reason);
// The reverse, for the ingress.
const char* stop_reason_from_finish_reason(std::string_view finish_reason);

// An Anthropic error (HTTP status, or 0 for an in-stream error event) ->
// UpstreamError with a safe message: "anthropic: <type>: <message>", keys
// redacted, at most 300 bytes.
UpstreamError make_upstream_error(int status, std::string_view type, std::string_view message);

// Streamed Messages events -> canonical chat.completion.chunk payloads.
class StreamTranslator {
 public:
  StreamTranslator(std::int64_t created, std::string model)
      : created_(created), model_(std::move(model)) {}

  StreamStep on_event(const SseEvent& event, std::vector<std::string>& chunks,
                      UpstreamError& error);

  const Usage& usage() const { return usage_; }
  const std::string& id() const { return id_; }
  std::int64_t created() const { return created_; }
  const std::string& model() const { return model_; }

 private:
  void on_message_start(const boost::json::object& event);
  void on_block_start(const boost::json::object& event, std::vector<std::string>& chunks);
  void on_block_delta(const boost::json::object& event, std::vector<std::string>& chunks);
  void on_message_delta(const boost::json::object& event, std::vector<std::string>& chunks);
  // The first chunk of an OpenAI stream announces the role with empty content.
  void ensure_role_chunk(std::vector<std::string>& chunks);
  void emit(boost::json::object delta, const char* finish_reason, std::vector<std::string>& chunks);

  std::string id_;
  std::int64_t created_;
  std::string model_;
  bool role_sent_ = false;
  // Anthropic content-block index -> OpenAI tool_calls index.
  std::unordered_map<std::int64_t, std::int64_t> tool_index_by_block_;
  std::int64_t next_tool_index_ = 0;
  Usage usage_;
};

// ---- Shared by both directions --------------------------------------------

// "data:image/png;base64,AAAA" -> media type and payload; false when the URL
// is not a base64 data URL.
bool split_data_url(std::string_view url, std::string_view& media_type, std::string_view& data);

// Cuts `text` to at most `max_bytes` without splitting a UTF-8 sequence.
std::string truncate_utf8(std::string_view text, std::size_t max_bytes);

}  // namespace switchyard::providers::anthropic
