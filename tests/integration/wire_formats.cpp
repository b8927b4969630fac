#include "tests/integration/wire_formats.hpp"

#include <boost/json.hpp>

namespace itest {

namespace json = boost::json;

namespace {
constexpr std::int64_t kCreated = 1700000000;

json::object usage_object(TokenUsage usage) {
  return {{"prompt_tokens", usage.prompt},
          {"completion_tokens", usage.completion},
          {"total_tokens", usage.prompt + usage.completion}};
}

json::object chunk(std::string_view model, json::value choices, bool include_usage) {
  json::object c{{"id", "chatcmpl-fake1"},
                 {"object", "chat.completion.chunk"},
                 {"created", kCreated},
                 {"model", model},
                 {"system_fingerprint", "fp_fake"},
                 {"choices", std::move(choices)}};
  if (include_usage) c["usage"] = nullptr;  // as OpenAI does on every chunk but the last
  return c;
}

json::array one_choice(json::object delta, json::value finish_reason) {
  return json::array{json::object{{"index", 0},
                                  {"delta", std::move(delta)},
                                  {"logprobs", nullptr},
                                  {"finish_reason", std::move(finish_reason)}}};
}

std::string data_event(const json::value& value) {
  return "data: " + json::serialize(value) + "\n\n";
}

std::string named_event(std::string_view name, const json::value& value) {
  return "event: " + std::string(name) + "\ndata: " + json::serialize(value) + "\n\n";
}

std::string request_model(const RecordedRequest& request, std::string_view fallback) {
  auto body = request.json();
  if (auto* obj = body.if_object()) {
    if (auto* model = obj->if_contains("model"); model && model->is_string()) {
      return std::string(model->as_string());
    }
  }
  return std::string(fallback);
}
}  // namespace

std::string joined(const std::vector<std::string>& pieces) {
  std::string text;
  for (const auto& piece : pieces) text += piece;
  return text;
}

std::string openai_completion(std::string_view model, std::string_view content, TokenUsage usage) {
  json::object message{{"role", "assistant"}, {"content", content}};
  json::object body{{"id", "chatcmpl-fake1"},
                    {"object", "chat.completion"},
                    {"created", kCreated},
                    {"model", model},
                    {"system_fingerprint", "fp_fake"},
                    {"choices", json::array{json::object{{"index", 0},
                                                         {"message", std::move(message)},
                                                         {"logprobs", nullptr},
                                                         {"finish_reason", "stop"}}}},
                    {"usage", usage_object(usage)}};
  return json::serialize(body);
}

std::vector<std::string> openai_stream_events(std::string_view model,
                                              const std::vector<std::string>& pieces,
                                              TokenUsage usage, bool include_usage) {
  std::vector<std::string> events;
  events.push_back(data_event(
      chunk(model, one_choice({{"role", "assistant"}, {"content", ""}}, nullptr), include_usage)));
  for (const auto& piece : pieces) {
    events.push_back(
        data_event(chunk(model, one_choice({{"content", piece}}, nullptr), include_usage)));
  }
  events.push_back(data_event(chunk(model, one_choice({}, "stop"), include_usage)));
  if (include_usage) {
    json::object last = chunk(model, json::array{}, false);
    last["usage"] = usage_object(usage);
    events.push_back(data_event(last));
  }
  events.push_back("data: [DONE]\n\n");
  return events;
}

std::string openai_error(std::string_view message, std::string_view type, std::string_view code) {
  json::object inner{{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}};
  return json::serialize(json::object{{"error", std::move(inner)}});
}

bool wants_stream(const RecordedRequest& request) {
  auto body = request.json();
  auto* obj = body.if_object();
  if (obj == nullptr) return false;
  auto* stream = obj->if_contains("stream");
  return stream != nullptr && stream->is_bool() && stream->as_bool();
}

bool wants_stream_usage(const RecordedRequest& request) {
  auto body = request.json();
  auto* obj = body.if_object();
  if (obj == nullptr) return false;
  auto* options = obj->if_contains("stream_options");
  if (options == nullptr || !options->is_object()) return false;
  auto* include = options->as_object().if_contains("include_usage");
  return include != nullptr && include->is_bool() && include->as_bool();
}

Handler openai_handler(FakeAnswer answer) {
  return [answer](const RecordedRequest& request) {
    std::string model = request_model(request, "fake-model");
    if (!wants_stream(request)) {
      return Response::json(openai_completion(model, joined(answer.pieces), answer.usage));
    }
    SseScript script;
    script.events =
        openai_stream_events(model, answer.pieces, answer.usage, wants_stream_usage(request));
    script.delay = answer.delay;
    return Response::stream(std::move(script));
  };
}

std::string anthropic_message(std::string_view model, std::string_view text, TokenUsage usage) {
  json::object body{
      {"id", "msg_fake1"},
      {"type", "message"},
      {"role", "assistant"},
      {"model", model},
      {"content", json::array{json::object{{"type", "text"}, {"text", text}}}},
      {"stop_reason", "end_turn"},
      {"stop_sequence", nullptr},
      {"usage", json::object{{"input_tokens", usage.prompt}, {"output_tokens", usage.completion}}}};
  return json::serialize(body);
}

std::vector<std::string> anthropic_stream_events(std::string_view model,
                                                 const std::vector<std::string>& pieces,
                                                 TokenUsage usage) {
  std::vector<std::string> events;
  json::object message{
      {"id", "msg_fake1"},
      {"type", "message"},
      {"role", "assistant"},
      {"content", json::array{}},
      {"model", model},
      {"stop_reason", nullptr},
      {"stop_sequence", nullptr},
      {"usage", json::object{{"input_tokens", usage.prompt}, {"output_tokens", 1}}}};
  events.push_back(
      named_event("message_start", json::object{{"type", "message_start"}, {"message", message}}));
  events.push_back(named_event("content_block_start",
                               json::object{{"type", "content_block_start"},
                                            {"index", 0},
                                            {"content_block", {{"type", "text"}, {"text", ""}}}}));
  events.push_back(named_event("ping", json::object{{"type", "ping"}}));
  for (const auto& piece : pieces) {
    events.push_back(named_event(
        "content_block_delta", json::object{{"type", "content_block_delta"},
                                            {"index", 0},
                                            {"delta", {{"type", "text_delta"}, {"text", piece}}}}));
  }
  events.push_back(named_event("content_block_stop",
                               json::object{{"type", "content_block_stop"}, {"index", 0}}));
  events.push_back(
      named_event("message_delta",
                  json::object{{"type", "message_delta"},
                               {"delta", {{"stop_reason", "end_turn"}, {"stop_sequence", nullptr}}},
                               {"usage", {{"output_tokens", usage.completion}}}}));
  events.push_back(named_event("message_stop", json::object{{"type", "message_stop"}}));
  return events;
}

Handler anthropic_handler(FakeAnswer answer) {
  return [answer](const RecordedRequest& request) {
    std::string model = request_model(request, "claude-fake");
    if (!wants_stream(request)) {
      return Response::json(anthropic_message(model, joined(answer.pieces), answer.usage));
    }
    SseScript script;
    script.events = anthropic_stream_events(model, answer.pieces, answer.usage);
    script.delay = answer.delay;
    return Response::stream(std::move(script));
  };
}

std::string chat_body(std::string_view model, bool stream, bool include_usage) {
  json::object body{
      {"model", model},
      {"messages", json::array{json::object{{"role", "user"}, {"content", "Say hello"}}}}};
  if (stream) body["stream"] = true;
  if (include_usage) body["stream_options"] = json::object{{"include_usage", true}};
  return json::serialize(body);
}

}  // namespace itest
