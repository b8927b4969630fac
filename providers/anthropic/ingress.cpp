// The Anthropic ingress, answer side: a canonical chat.completion becomes a
// Messages API message, and gateway errors get Anthropic's error envelope.
// The request side is anthropic_ingress_request.cpp, the stream side
// anthropic_ingress_stream.cpp.
#include <algorithm>

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

// OpenAI message content is a string, or (rarely, in answers) text parts.
std::string content_text(const value* content) {
  if (!content) return {};
  if (const auto* text = content->if_string()) return std::string(*text);
  std::string joined;
  if (const auto* parts = content->if_array()) {
    for (const auto& part : *parts) {
      if (const auto* part_object = part.if_object();
          part_object && string_or(*part_object, "type") == "text") {
        joined.append(string_or(*part_object, "text"));
      }
    }
  }
  return joined;
}

object tool_use_block(const object& call) {
  const object* function = anthropic::find_object(call, "function");
  std::string_view arguments = function ? string_or(*function, "arguments") : std::string_view();
  boost::system::error_code ec;
  value input = arguments.empty() ? value(object()) : boost::json::parse(arguments, ec);
  // A model can emit arguments that are not JSON; Anthropic's input must be an
  // object, so the client gets {} rather than a message it cannot parse.
  if (ec || !input.is_object()) input = object();
  return object{{"type", "tool_use"},
                {"id", string_or(call, "id")},
                {"name", function ? string_or(*function, "name") : std::string_view()},
                {"input", std::move(input)}};
}

}  // namespace

object openai_response_to_anthropic(const object& completion) {
  const object* choice = nullptr;
  if (const auto* choices = anthropic::find_array(completion, "choices");
      choices && !choices->empty()) {
    choice = (*choices)[0].if_object();
  }
  const object* message = choice ? anthropic::find_object(*choice, "message") : nullptr;

  array content;
  bool has_tool_calls = false;
  if (message) {
    if (std::string text = content_text(anthropic::find(*message, "content")); !text.empty()) {
      content.push_back(object{{"type", "text"}, {"text", text}});
    }
    if (const auto* calls = anthropic::find_array(*message, "tool_calls")) {
      for (const auto& call : *calls) {
        if (const auto* call_object = call.if_object()) {
          content.push_back(tool_use_block(*call_object));
          has_tool_calls = true;
        }
      }
    }
  }

  const char* stop_reason = has_tool_calls ? "tool_use" : "end_turn";
  if (const auto* finish = choice ? anthropic::find_string(*choice, "finish_reason") : nullptr) {
    stop_reason = anthropic::stop_reason_from_finish_reason(*finish);
  }

  // Anthropic's input_tokens excludes cache reads, which OpenAI counts in.
  std::int64_t prompt = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cached = 0;
  if (const auto* usage = anthropic::find_object(completion, "usage")) {
    prompt = find_int(*usage, "prompt_tokens").value_or(0);
    completion_tokens = find_int(*usage, "completion_tokens").value_or(0);
    if (const auto* details = anthropic::find_object(*usage, "prompt_tokens_details")) {
      cached = std::clamp<std::int64_t>(find_int(*details, "cached_tokens").value_or(0), 0, prompt);
    }
  }

  object out;
  out["id"] = string_or(completion, "id");
  out["type"] = "message";
  out["role"] = "assistant";
  out["model"] = string_or(completion, "model");
  out["content"] = std::move(content);
  out["stop_reason"] = stop_reason;
  out["stop_sequence"] = nullptr;
  out["usage"] = object{{"input_tokens", prompt - cached},
                        {"output_tokens", completion_tokens},
                        {"cache_read_input_tokens", cached}};
  return out;
}

std::string anthropic_error_body(int http_status, std::string_view message) {
  const char* type = "api_error";
  switch (http_status) {
    case 401:
      type = "authentication_error";
      break;
    case 403:
      type = "permission_error";
      break;
    case 404:
      type = "not_found_error";
      break;
    case 413:
      type = "request_too_large";
      break;  // Anthropic's own type for 413
    case 429:
      type = "rate_limit_error";
      break;
    case 503:
    case 529:
      type = "overloaded_error";
      break;
    default:
      if (http_status >= 400 && http_status < 500) type = "invalid_request_error";
      break;
  }
  // The message may quote upstream bytes: keep the body valid JSON.
  object body{{"type", "error"},
              {"error", object{{"type", type}, {"message", valid_utf8(message)}}}};
  return boost::json::serialize(body);
}

}  // namespace switchyard::providers
