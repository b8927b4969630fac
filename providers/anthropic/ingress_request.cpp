// Anthropic Messages request (from a client) -> canonical OpenAI Chat
// Completions body. Strict on what we read: a wrong type or a missing field is
// an error naming the field. Dropped without an error, because they have no
// Chat Completions meaning: top_k, thinking, service_tier, container,
// cache_control on blocks, tool_result.is_error, and assistant thinking /
// redacted_thinking blocks that clients send back in the history.
#include <cmath>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "providers/canonical/strict_json.hpp"
#include "providers/anthropic/ingress.hpp"
#include "providers/anthropic/messages.hpp"

namespace switchyard::providers {
namespace {

using anthropic::find;
using anthropic::find_int;
using anthropic::string_or;
using boost::json::array;
using boost::json::object;
using boost::json::value;

// Collects the first problem; every check returns false through it.
struct Problem {
  std::string& error;
  std::string& param;

  bool at(const std::string& path, std::string_view what) {
    param = path;
    error = path + ": " + std::string(what);
    return false;
  }
};

std::string index_path(const std::string& base, std::size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

object text_part(std::string_view text) {
  return object{{"type", "text"}, {"text", text}};
}

// A text / image / document block -> an OpenAI content part.
bool block_to_part(const object& block, const std::string& path, object& part, Problem& problem) {
  std::string_view type = string_or(block, "type");
  if (type == "text") {
    const auto* text = anthropic::find_string(block, "text");
    if (!text) return problem.at(path + ".text", "must be a string");
    part = text_part(*text);
    return true;
  }
  const object* source = anthropic::find_object(block, "source");
  if (type != "image" && type != "document") {
    return problem.at(path + ".type", "unsupported content block type '" + std::string(type) + "'");
  }
  if (!source) return problem.at(path + ".source", "must be an object");
  std::string_view source_type = string_or(*source, "type");
  std::string url;
  if (source_type == "base64") {
    const auto* media_type = anthropic::find_string(*source, "media_type");
    const auto* data = anthropic::find_string(*source, "data");
    if (!media_type) return problem.at(path + ".source.media_type", "must be a string");
    if (!data) return problem.at(path + ".source.data", "must be a string");
    url = "data:" + std::string(*media_type) + ";base64," + std::string(*data);
  } else if (source_type == "url") {
    const auto* source_url = anthropic::find_string(*source, "url");
    if (!source_url) return problem.at(path + ".source.url", "must be a string");
    url = *source_url;
  } else if (type == "document" && source_type == "text") {
    part = text_part(string_or(*source, "data"));
    return true;
  } else {
    return problem.at(path + ".source.type",
                      "unsupported source type '" + std::string(source_type) + "'");
  }
  if (type == "image") {
    part = object{{"type", "image_url"}, {"image_url", object{{"url", url}}}};
  } else {
    part = object{{"type", "file"}, {"file", object{{"file_data", url}}}};
  }
  return true;
}

// tool_result content: a string, or text and image blocks. Text goes into the
// tool message; images, which tool messages cannot hold, go to `user_parts`.
bool tool_result_to_message(const object& block, const std::string& path, array& tool_messages,
                            array& user_parts, Problem& problem) {
  const auto* id = anthropic::find_string(block, "tool_use_id");
  if (!id) return problem.at(path + ".tool_use_id", "must be a string");
  std::string text;
  if (const value* content = find(block, "content"); content && !content->is_null()) {
    if (const auto* s = content->if_string()) {
      text = *s;
    } else if (const auto* blocks = content->if_array()) {
      for (std::size_t i = 0; i < blocks->size(); ++i) {
        std::string item_path = index_path(path + ".content", i);
        const object* item = (*blocks)[i].if_object();
        if (!item) return problem.at(item_path, "must be an object");
        object part;
        if (!block_to_part(*item, item_path, part, problem)) return false;
        if (string_or(part, "type") == "text") {
          if (!text.empty()) text.push_back('\n');
          text.append(string_or(part, "text"));
        } else {
          user_parts.push_back(std::move(part));
        }
      }
    } else {
      return problem.at(path + ".content", "must be a string or an array of blocks");
    }
  }
  tool_messages.push_back(object{{"role", "tool"}, {"tool_call_id", *id}, {"content", text}});
  return true;
}

bool tool_use_to_call(const object& block, const std::string& path, array& tool_calls,
                      Problem& problem) {
  const auto* id = anthropic::find_string(block, "id");
  const auto* name = anthropic::find_string(block, "name");
  const auto* input = find(block, "input");
  if (!id) return problem.at(path + ".id", "must be a string");
  if (!name) return problem.at(path + ".name", "must be a string");
  if (!input || !input->is_object()) return problem.at(path + ".input", "must be an object");
  object function{{"name", *name}, {"arguments", boost::json::serialize(*input)}};
  tool_calls.push_back(
      object{{"id", *id}, {"type", "function"}, {"function", std::move(function)}});
  return true;
}

// Several text parts stay an array; exactly one is written as a string.
value parts_content(array parts) {
  if (parts.size() == 1 && string_or(*parts[0].if_object(), "type") == "text") {
    return value(string_or(*parts[0].if_object(), "text"));
  }
  return value(std::move(parts));
}

bool translate_message(const object& message, const std::string& path, array& out,
                       Problem& problem) {
  std::string_view role = string_or(message, "role");
  if (role != "user" && role != "assistant") {
    return problem.at(path + ".role", "must be \"user\" or \"assistant\"");
  }
  const value* content = find(message, "content");
  if (!content) return problem.at(path + ".content", "is required");
  if (const auto* text = content->if_string()) {
    out.push_back(object{{"role", role}, {"content", *text}});
    return true;
  }
  const array* blocks = content->if_array();
  if (!blocks) return problem.at(path + ".content", "must be a string or an array of blocks");

  array parts;          // user: content parts; assistant: text only
  array tool_messages;  // user: one per tool_result, sent before the parts
  array tool_calls;     // assistant
  std::string assistant_text;
  bool assistant_has_text = false;
  for (std::size_t i = 0; i < blocks->size(); ++i) {
    std::string block_path = index_path(path + ".content", i);
    const object* block = (*blocks)[i].if_object();
    if (!block) return problem.at(block_path, "must be an object");
    std::string_view type = string_or(*block, "type");
    if (type == "thinking" || type == "redacted_thinking") continue;  // Anthropic-only state
    if (type == "tool_result" && role == "user") {
      if (!tool_result_to_message(*block, block_path, tool_messages, parts, problem)) return false;
    } else if (type == "tool_use" && role == "assistant") {
      if (!tool_use_to_call(*block, block_path, tool_calls, problem)) return false;
    } else if (role == "assistant" && type == "text") {
      const auto* text = anthropic::find_string(*block, "text");
      if (!text) return problem.at(block_path + ".text", "must be a string");
      assistant_text.append(*text);
      assistant_has_text = true;
    } else if (role == "assistant") {
      return problem.at(block_path + ".type",
                        "unsupported block type '" + std::string(type) + "' in an assistant turn");
    } else {
      object part;
      if (!block_to_part(*block, block_path, part, problem)) return false;
      parts.push_back(std::move(part));
    }
  }

  if (role == "assistant") {
    object assistant{{"role", "assistant"}};
    assistant["content"] =
        assistant_has_text || tool_calls.empty() ? value(assistant_text) : value(nullptr);
    if (!tool_calls.empty()) assistant["tool_calls"] = std::move(tool_calls);
    out.push_back(std::move(assistant));
    return true;
  }
  // OpenAI wants tool results right after the assistant's tool calls.
  for (auto& tool_message : tool_messages) out.push_back(std::move(tool_message));
  if (!parts.empty() || tool_messages.empty()) {
    out.push_back(object{{"role", "user"}, {"content", parts_content(std::move(parts))}});
  }
  return true;
}

bool translate_system(const value& system, array& messages, Problem& problem) {
  if (const auto* text = system.if_string()) {
    if (!text->empty()) messages.push_back(object{{"role", "system"}, {"content", *text}});
    return true;
  }
  const array* blocks = system.if_array();
  if (!blocks) return problem.at("system", "must be a string or an array of text blocks");
  array parts;
  for (std::size_t i = 0; i < blocks->size(); ++i) {
    const object* block = (*blocks)[i].if_object();
    const auto* text = block ? anthropic::find_string(*block, "text") : nullptr;
    if (!block || string_or(*block, "type") != "text" || !text) {
      return problem.at(index_path("system", i), "must be a text block");
    }
    parts.push_back(text_part(*text));
  }
  if (!parts.empty()) {
    messages.push_back(object{{"role", "system"}, {"content", parts_content(std::move(parts))}});
  }
  return true;
}

bool translate_tools(const object& request, object& out, Problem& problem) {
  if (const value* tools_value = find(request, "tools")) {
    const array* tools = tools_value->if_array();
    if (!tools) return problem.at("tools", "must be an array");
    array functions;
    for (std::size_t i = 0; i < tools->size(); ++i) {
      std::string path = index_path("tools", i);
      const object* tool = (*tools)[i].if_object();
      if (!tool) return problem.at(path, "must be an object");
      std::string_view type = string_or(*tool, "type", "custom");
      if (type != "custom") {
        return problem.at(path + ".type",
                          "server tool '" + std::string(type) + "' is not supported");
      }
      const auto* name = anthropic::find_string(*tool, "name");
      const auto* schema = anthropic::find_object(*tool, "input_schema");
      if (!name) return problem.at(path + ".name", "must be a string");
      if (!schema) return problem.at(path + ".input_schema", "must be an object");
      object function{{"name", *name}};
      if (const auto* description = anthropic::find_string(*tool, "description")) {
        function["description"] = *description;
      }
      function["parameters"] = *schema;
      functions.push_back(object{{"type", "function"}, {"function", std::move(function)}});
    }
    if (!functions.empty()) out["tools"] = std::move(functions);
  }

  const value* choice_value = find(request, "tool_choice");
  if (!choice_value) return true;
  const object* choice = choice_value->if_object();
  if (!choice) return problem.at("tool_choice", "must be an object");
  std::string_view type = string_or(*choice, "type");
  if (type == "auto") {
    out["tool_choice"] = "auto";
  } else if (type == "any") {
    out["tool_choice"] = "required";
  } else if (type == "none") {
    out["tool_choice"] = "none";
  } else if (type == "tool") {
    const auto* name = anthropic::find_string(*choice, "name");
    if (!name) return problem.at("tool_choice.name", "must be a string");
    out["tool_choice"] = object{{"type", "function"}, {"function", object{{"name", *name}}}};
  } else {
    return problem.at("tool_choice.type", "must be one of auto, any, tool, none");
  }
  if (const value* disable = find(*choice, "disable_parallel_tool_use")) {
    if (!disable->is_bool())
      return problem.at("tool_choice.disable_parallel_tool_use", "must be a boolean");
    if (disable->get_bool() && type != "none") out["parallel_tool_calls"] = false;
  }
  return true;
}

bool copy_number(const object& request, std::string_view key, object& out, Problem& problem) {
  const value* number = find(request, key);
  if (!number) return true;
  boost::system::error_code ec;
  double d = number->to_number<double>(ec);
  if (ec || !std::isfinite(d)) return problem.at(std::string(key), "must be a finite number");
  out[key] = *number;
  return true;
}

bool translate_options(const object& request, object& out, Problem& problem) {
  if (!copy_number(request, "temperature", out, problem)) return false;
  if (!copy_number(request, "top_p", out, problem)) return false;
  if (const value* top_k = find(request, "top_k"); top_k && !find_int(request, "top_k")) {
    return problem.at("top_k", "must be an integer");
  }
  if (const value* stops = find(request, "stop_sequences")) {
    const array* list = stops->if_array();
    if (!list) return problem.at("stop_sequences", "must be an array of strings");
    for (std::size_t i = 0; i < list->size(); ++i) {
      if (!(*list)[i].is_string())
        return problem.at(index_path("stop_sequences", i), "must be a string");
    }
    if (!list->empty()) out["stop"] = *list;
  }
  if (const value* stream = find(request, "stream")) {
    if (!stream->is_bool()) return problem.at("stream", "must be a boolean");
    if (stream->get_bool()) {
      out["stream"] = true;
      out["stream_options"] = object{{"include_usage", true}};
    }
  }
  if (const value* metadata = find(request, "metadata"); metadata && !metadata->is_null()) {
    const object* fields = metadata->if_object();
    if (!fields) return problem.at("metadata", "must be an object");
    if (const value* user = find(*fields, "user_id"); user && !user->is_null()) {
      if (!user->is_string()) return problem.at("metadata.user_id", "must be a string");
      if (!user->get_string().empty()) out["user"] = user->get_string();
    }
  }
  return true;
}

}  // namespace

bool anthropic_request_to_openai(std::string_view body, object& openai_body, std::string& error,
                                 std::string& param) {
  Problem problem{error, param};
  value parsed;
  std::string reason;
  // The same strict parse as the OpenAI route: nesting cap, finite numbers.
  if (!parse_json_strict(body, parsed, reason)) {
    return problem.at("body", "is not valid JSON: " + reason);
  }
  const object* request = parsed.if_object();
  if (!request) return problem.at("body", "must be an object");

  const value* model = find(*request, "model");
  if (!model) return problem.at("model", "is required");
  if (!model->is_string() || model->get_string().empty()) {
    return problem.at("model", "must be a non-empty string");
  }
  const value* max_tokens_value = find(*request, "max_tokens");
  if (!max_tokens_value) return problem.at("max_tokens", "is required");
  std::optional<std::int64_t> max_tokens;
  if (!max_tokens_value->is_double()) max_tokens = find_int(*request, "max_tokens");
  if (!max_tokens || *max_tokens < 1) return problem.at("max_tokens", "must be a positive integer");
  const value* messages_value = find(*request, "messages");
  if (!messages_value) return problem.at("messages", "is required");
  const array* messages = messages_value->if_array();
  if (!messages) return problem.at("messages", "must be an array");
  if (messages->empty()) return problem.at("messages", "must contain at least one message");

  array out_messages;
  if (const value* system = find(*request, "system")) {
    if (!translate_system(*system, out_messages, problem)) return false;
  }
  for (std::size_t i = 0; i < messages->size(); ++i) {
    std::string path = index_path("messages", i);
    const object* message = (*messages)[i].if_object();
    if (!message) return problem.at(path, "must be an object");
    if (!translate_message(*message, path, out_messages, problem)) return false;
  }

  object out;
  out["model"] = model->get_string();
  out["messages"] = std::move(out_messages);
  out["max_tokens"] = *max_tokens;
  if (!translate_options(*request, out, problem)) return false;
  if (!translate_tools(*request, out, problem)) return false;
  openai_body = std::move(out);
  return true;
}

}  // namespace switchyard::providers
