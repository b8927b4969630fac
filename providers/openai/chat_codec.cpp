// The OpenAI-compatible codec: OpenAI, DeepSeek, DashScope, Gemini's
// compatible endpoint, vLLM, llama.cpp server, Ollama, SGLang. Requests are
// relayed with minimal rewriting (model name, stream usage); chunks pass
// through untouched unless they carry usage or an error, so fields we do not
// understand (reasoning_content, timings, ...) reach the client as sent. A
// stream is whole after [DONE], or after a finish_reason when the body then
// ends cleanly (some servers never send [DONE]).
#include <boost/json.hpp>

#include "providers/body_codec.hpp"
#include "providers/canonical/chat_request.hpp"
#include "providers/canonical/plain_json.hpp"
#include "providers/canonical/redact.hpp"
#include "providers/canonical/strict_json.hpp"
#include "providers/codec.hpp"

namespace switchyard::providers {

namespace json = boost::json;

namespace {

std::int64_t count_field(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  if (value == nullptr) return 0;
  if (value->is_int64()) return value->get_int64() > 0 ? value->get_int64() : 0;
  if (value->is_uint64()) return static_cast<std::int64_t>(value->get_uint64());
  if (value->is_double() && value->get_double() > 0)
    return static_cast<std::int64_t>(value->get_double());
  return 0;
}

// Upstream text for an error message: keys cut out (an upstream may echo
// the one it was sent), then bounded.
std::string truncate(std::string_view text, std::size_t limit) {
  std::string redacted = redact_keys(text);
  if (redacted.size() <= limit) return redacted;
  return redacted.substr(0, limit) + "...";
}

FailureKind kind_for_status(int status) {
  if (status == 429) return FailureKind::rate_limited;
  if (status == 408) return FailureKind::timeout;
  if (status >= 500) return FailureKind::server_error;
  return FailureKind::client_error;
}

// An error object in a body or an SSE event: {"error":{"message":...}} or
// {"error":"text"}.
std::string error_message_of(const json::object& object) {
  const json::value* error = object.if_contains("error");
  if (error == nullptr) return {};
  if (const json::string* text = error->if_string()) return std::string(*text);
  if (const json::object* inner = error->if_object()) {
    if (const json::value* message = inner->if_contains("message")) {
      if (const json::string* text = message->if_string()) return std::string(*text);
    }
    return "upstream error";
  }
  return {};
}

// The caller's body with `model` rewritten and, for streams, usage always
// requested (the usage chunk is swallowed unless the caller asked for it; the
// flow re-emits it with the cost). Written member by member rather than by
// copying the tree: every other field passes through as parsed (numbers in
// plain decimal form, as serialize_plain writes them).
std::string serialize_forwarded(const ChatRequest& request, std::string_view upstream_model) {
  std::string out;
  out.reserve(256);
  out.push_back('{');
  auto member = [&out](std::string_view key) {
    if (out.size() > 1) out.push_back(',');
    append_json_string(out, key);
    out.push_back(':');
  };
  member("model");
  append_json_string(out, upstream_model);
  for (const auto& field : request.body) {
    if (field.key() == "model") continue;
    if (field.key() == "stream_options" && request.stream) continue;
    member(field.key());
    append_plain_json(out, field.value());
  }
  if (request.stream) {
    json::object options;
    if (const json::value* given = request.body.if_contains("stream_options")) {
      if (const json::object* object = given->if_object()) options = *object;
    }
    options["include_usage"] = true;
    member("stream_options");
    append_plain_json(out, options);
  }
  out.push_back('}');
  return out;
}

// Fields the gateway writes itself on the usage chunk it emits.
bool is_chunk_shape_field(std::string_view key) {
  return key == "id" || key == "object" || key == "created" || key == "model" || key == "choices" ||
         key == "usage" || key == "system_fingerprint" || key == "service_tier" ||
         key == "obfuscation";
}

// True when a chunk's text names a non-null finish_reason. A plain scan:
// every chunk carries "finish_reason":null, and parsing each one to find the
// last would cost the relay its fast path. The scan looks for `_reason"`
// because '_' is rare in chunk JSON, so the search skips ahead in big steps
// (a needle starting with '"' stops at every key).
bool has_finish_reason(std::string_view data) {
  constexpr std::string_view kTail = "_reason\"";
  constexpr std::string_view kHead = "\"finish";
  for (std::size_t at = data.find(kTail); at != std::string_view::npos;
       at = data.find(kTail, at + kTail.size())) {
    if (at < kHead.size() || data.substr(at - kHead.size(), kHead.size()) != kHead) continue;
    std::size_t value = data.find_first_not_of(" \t:", at + kTail.size());
    if (value != std::string_view::npos && data[value] != 'n') return true;
  }
  return false;
}

class OpenAiCodec final : public BodyCodec {
 public:
  UpstreamRequest encode(const ChatRequest& request, const config::Provider& provider,
                         const config::Endpoint& endpoint, const config::Model&) override {
    UpstreamRequest out;
    out.path = "/chat/completions";
    if (!provider.api_key.empty()) {
      out.headers.emplace_back("Authorization", "Bearer " + provider.api_key);
    }
    out.body = serialize_forwarded(request, endpoint.upstream_model);
    expect_stream(request.stream);
    return out;
  }

  UpstreamError map_error(int status, std::string_view body) override {
    UpstreamError error;
    error.kind = kind_for_status(status);
    error.status = status;
    std::string detail;
    boost::system::error_code ec;
    json::value parsed = json::parse(body, ec);
    if (!ec) {
      if (const json::object* object = parsed.if_object()) detail = error_message_of(*object);
    }
    error.message = "upstream returned HTTP " + std::to_string(status);
    if (!detail.empty()) error.message += ": " + truncate(detail, 300);
    return error;
  }

 protected:
  bool decode_whole(std::string_view body, BodyOutput& out) override {
    boost::system::error_code ec;
    // Parsed into the answer's storage, so handing the object over is a move.
    json::value parsed = json::parse(body, ec, out.completion.storage());
    json::object* object = ec ? nullptr : parsed.if_object();
    if (object == nullptr) {
      out.error = {
          FailureKind::protocol, 0, "upstream sent a response that is not a JSON object", {}};
      return false;
    }
    if (std::string message = error_message_of(*object); !message.empty()) {
      out.error = {FailureKind::server_error, 0, "upstream error: " + truncate(message, 300), {}};
      return false;
    }
    if (!object->contains("choices")) {
      out.error = {FailureKind::protocol, 0, "upstream response has no choices", {}};
      return false;
    }
    if (const json::value* usage = object->if_contains("usage")) {
      if (const json::object* usage_object = usage->if_object()) {
        read_openai_usage(*usage_object, out.usage);
      }
    }
    out.completion = std::move(*object);
    return true;
  }

  StreamStep on_event(const SseEvent& event, BodyOutput& out) override {
    std::string_view data = event.data;
    if (data == "[DONE]") return StreamStep::done;
    if (event.event == "error") {
      out.error = {
          FailureKind::server_error, 0, "upstream stream error: " + truncate(data, 300), {}};
      return StreamStep::failed;
    }
    if (has_finish_reason(data)) finished_ = true;
    // Most chunks carry neither usage nor an error nor are the first: relay
    // them without parsing.
    bool first = !identified_;
    bool may_have_usage = data.find("\"usage\"") != std::string_view::npos;
    bool may_have_error = data.find("\"error\"") != std::string_view::npos;
    if (!first && !may_have_usage && !may_have_error) {
      out.chunks.emplace_back(data);
      return StreamStep::more;
    }
    return on_parsed_event(data, out);
  }

  bool finished_without_terminator() const override { return finished_; }

 private:
  StreamStep on_parsed_event(std::string_view data, BodyOutput& out) {
    boost::system::error_code ec;
    json::value parsed = json::parse(data, ec);
    json::object* chunk = ec ? nullptr : parsed.if_object();
    if (chunk == nullptr) {
      out.error = {FailureKind::protocol, 0, "upstream sent an SSE event that is not JSON", {}};
      return StreamStep::failed;
    }
    if (std::string message = error_message_of(*chunk); !message.empty()) {
      out.error = {
          FailureKind::server_error, 0, "upstream stream error: " + truncate(message, 300), {}};
      return StreamStep::failed;
    }
    if (!identified_) remember_stream_identity(*chunk, out.stream);
    bool usage_only = false;
    if (const json::value* usage = chunk->if_contains("usage")) {
      if (const json::object* usage_object = usage->if_object()) {
        read_openai_usage(*usage_object, out.usage);
        const json::value* choices = chunk->if_contains("choices");
        usage_only = choices == nullptr || (choices->is_array() && choices->get_array().empty());
      }
    }
    if (usage_only) {
      // Swallowed: the gateway writes the usage chunk itself, with the cost.
      for (const auto& field : *chunk) {
        if (!is_chunk_shape_field(field.key())) out.stream.extras[field.key()] = field.value();
      }
    } else {
      out.chunks.emplace_back(data);
    }
    return StreamStep::more;
  }

  void remember_stream_identity(const json::object& chunk, StreamIdentity& identity) {
    identified_ = true;
    if (const json::value* id = chunk.if_contains("id"); id && id->is_string()) {
      identity.id = std::string(id->get_string());
    }
    if (identity.id.empty()) identity.id = "chatcmpl-switchyard";
    if (const json::value* created = chunk.if_contains("created"); created && created->is_int64()) {
      identity.created = created->get_int64();
    }
    if (const json::value* model = chunk.if_contains("model"); model && model->is_string()) {
      identity.model = std::string(model->get_string());
    }
  }

  bool identified_ = false;
  bool finished_ = false;  // a finish_reason was seen
};

}  // namespace

void read_openai_usage(const json::object& usage_object, Usage& usage) {
  usage.prompt_tokens = count_field(usage_object, "prompt_tokens");
  usage.completion_tokens = count_field(usage_object, "completion_tokens");
  usage.cached_prompt_tokens = 0;
  if (const json::value* details = usage_object.if_contains("prompt_tokens_details")) {
    if (const json::object* object = details->if_object()) {
      usage.cached_prompt_tokens = count_field(*object, "cached_tokens");
    }
  }
  // DeepSeek reports cache hits at the top level.
  if (usage.cached_prompt_tokens == 0) {
    usage.cached_prompt_tokens = count_field(usage_object, "prompt_cache_hit_tokens");
  }
  if (const json::value* details = usage_object.if_contains("completion_tokens_details")) {
    if (const json::object* object = details->if_object()) {
      usage.reasoning_tokens = count_field(*object, "reasoning_tokens");
    }
  }
  usage.reported =
      usage_object.contains("prompt_tokens") || usage_object.contains("completion_tokens");
  usage.raw = usage_object;
}

std::unique_ptr<Codec> make_openai_codec() {
  return std::make_unique<OpenAiCodec>();
}

}  // namespace switchyard::providers
