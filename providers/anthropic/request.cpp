// OpenAI Chat Completions request -> Anthropic Messages request.
//
// What has no Anthropic meaning is dropped, each with a note: n,
// presence_penalty, frequency_penalty, logit_bias, logprobs, top_logprobs,
// seed, response_format, service_tier, store, metadata (OpenAI's stored
// completions tag), modalities, audio, prediction, reasoning_effort,
// web_search_options, legacy functions/function_call, message `name`, and
// assistant reasoning_content (Anthropic needs signed thinking blocks).
// stream_options is consumed silently: Anthropic always reports usage.
#include <algorithm>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "providers/anthropic/messages.hpp"

namespace switchyard::providers::anthropic {
namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;

// Request fields this translation reads; any other top-level field is dropped
// with a note.
constexpr std::string_view kHandledFields[] = {"model",
                                               "messages",
                                               "max_tokens",
                                               "max_completion_tokens",
                                               "stop",
                                               "temperature",
                                               "top_p",
                                               "top_k",
                                               "stream",
                                               "stream_options",
                                               "tools",
                                               "tool_choice",
                                               "parallel_tool_calls",
                                               "user"};

object text_block(std::string_view text) {
  object block;
  block["type"] = "text";
  block["text"] = text;
  return block;
}

bool image_block_from_url(std::string_view url, object& block) {
  object source;
  std::string_view media_type;
  std::string_view data;
  if (split_data_url(url, media_type, data)) {
    source["type"] = "base64";
    source["media_type"] = media_type;
    source["data"] = data;
  } else if (url.starts_with("https://") || url.starts_with("http://")) {
    source["type"] = "url";
    source["url"] = url;
  } else {
    return false;
  }
  block["type"] = "image";
  block["source"] = std::move(source);
  return true;
}

// One OpenAI content part -> an Anthropic block (false when it has none).
bool part_to_block(const object& part, object& block, std::vector<std::string>& notes) {
  std::string_view type = string_or(part, "type");
  if (type == "text") {
    std::string_view text = string_or(part, "text");
    if (text.empty()) return false;  // Anthropic rejects empty text blocks
    block = text_block(text);
    // OpenRouter's convention for prompt caching through the OpenAI shape.
    if (const auto* cache = find(part, "cache_control")) block["cache_control"] = *cache;
    return true;
  }
  if (type == "image_url") {
    std::string_view url;
    if (const auto* image = find_object(part, "image_url")) {
      url = string_or(*image, "url");
    } else {
      url = string_or(part, "image_url");
    }
    if (image_block_from_url(url, block)) return true;
    notes.push_back("dropped an image that is neither a base64 data URL nor http(s)");
    return false;
  }
  if (type == "file") {
    std::string_view media_type;
    std::string_view data;
    const auto* file = find_object(part, "file");
    if (file && split_data_url(string_or(*file, "file_data"), media_type, data) &&
        media_type == "application/pdf") {
      block["type"] = "document";
      block["source"] = object{{"type", "base64"}, {"media_type", media_type}, {"data", data}};
      return true;
    }
    notes.push_back("dropped a file part that is not an inline PDF");
    return false;
  }
  notes.push_back("dropped content part of type '" + std::string(type) + "'");
  return false;
}

// OpenAI message content (string, parts array or null) -> blocks appended.
void append_content(const value* content, array& blocks, std::vector<std::string>& notes) {
  if (!content) return;
  if (const auto* text = content->if_string()) {
    if (!text->empty()) blocks.push_back(text_block(*text));
    return;
  }
  if (const auto* parts = content->if_array()) {
    for (const auto& part : *parts) {
      object block;
      if (const auto* part_object = part.if_object();
          part_object && part_to_block(*part_object, block, notes)) {
        blocks.push_back(std::move(block));
      }
    }
  }
}

object tool_use_block(const object& tool_call, std::vector<std::string>& notes) {
  object block;
  block["type"] = "tool_use";
  block["id"] = string_or(tool_call, "id");
  const object* function = find_object(tool_call, "function");
  block["name"] = function ? string_or(*function, "name") : std::string_view();
  // Anthropic wants the input as a JSON object; OpenAI carries it as a string.
  std::string_view arguments = function ? string_or(*function, "arguments") : std::string_view();
  boost::system::error_code ec;
  value input = arguments.empty() ? value(object()) : boost::json::parse(arguments, ec);
  if (ec || !input.is_object()) {
    notes.push_back("tool call " + std::string(string_or(tool_call, "id")) +
                    ": arguments are not a JSON object, sent {}");
    input = object();
  }
  block["input"] = std::move(input);
  return block;
}

object tool_result_block(const object& message, std::vector<std::string>& notes) {
  object block;
  block["type"] = "tool_result";
  block["tool_use_id"] = string_or(message, "tool_call_id");
  const value* content = find(message, "content");
  if (const auto* text = content ? content->if_string() : nullptr) {
    if (!text->empty()) block["content"] = *text;
  } else {
    array blocks;
    append_content(content, blocks, notes);
    if (!blocks.empty()) block["content"] = std::move(blocks);
  }
  return block;
}

struct Turn {
  std::string role;
  array blocks;
};

// Anthropic wants user and assistant turns to alternate: consecutive messages
// of one role become one turn with their blocks concatenated.
void push_turn(std::vector<Turn>& turns, std::string_view role, array blocks) {
  if (blocks.empty()) return;
  if (!turns.empty() && turns.back().role == role) {
    for (auto& block : blocks) turns.back().blocks.push_back(std::move(block));
    return;
  }
  turns.push_back(Turn{std::string(role), std::move(blocks)});
}

// A turn of one plain text block is written as a string, as people write it.
value turn_content(array blocks) {
  if (blocks.size() == 1) {
    const object* block = blocks[0].if_object();
    if (block && block->size() == 2 && string_or(*block, "type") == "text") {
      return value(string_or(*block, "text"));
    }
  }
  return value(std::move(blocks));
}

void translate_messages(const array& messages, object& body, std::vector<std::string>& notes) {
  array system_blocks;
  std::vector<Turn> turns;
  for (const auto& item : messages) {
    const object* message = item.if_object();
    if (!message) continue;
    std::string_view role = string_or(*message, "role");
    const value* content = find(*message, "content");
    array blocks;
    if (role == "system" || role == "developer") {
      append_content(content, system_blocks, notes);
    } else if (role == "user") {
      append_content(content, blocks, notes);
      push_turn(turns, "user", std::move(blocks));
    } else if (role == "assistant") {
      append_content(content, blocks, notes);
      if (const auto* calls = find_array(*message, "tool_calls")) {
        for (const auto& call : *calls) {
          if (const auto* call_object = call.if_object()) {
            blocks.push_back(tool_use_block(*call_object, notes));
          }
        }
      }
      push_turn(turns, "assistant", std::move(blocks));
    } else if (role == "tool") {
      blocks.push_back(tool_result_block(*message, notes));
      push_turn(turns, "user", std::move(blocks));
    } else {
      notes.push_back("dropped a message with role '" + std::string(role) + "'");
    }
  }

  // Several system messages become an array of text blocks, one a string.
  if (!system_blocks.empty()) body["system"] = turn_content(std::move(system_blocks));
  array out;
  for (auto& turn : turns) {
    out.push_back(object{{"role", turn.role}, {"content", turn_content(std::move(turn.blocks))}});
  }
  body["messages"] = std::move(out);
}

void translate_tools(const object& request, object& body, std::vector<std::string>& notes) {
  array tools;
  if (const auto* openai_tools = find_array(request, "tools")) {
    for (const auto& item : *openai_tools) {
      const object* tool = item.if_object();
      const object* function = tool ? find_object(*tool, "function") : nullptr;
      if (!function || string_or(*tool, "type", "function") != "function") {
        notes.push_back("dropped a tool that is not a function tool");
        continue;
      }
      object out;
      out["name"] = string_or(*function, "name");
      if (const auto* description = find_string(*function, "description")) {
        out["description"] = *description;
      }
      // input_schema is required by Anthropic; a function without parameters
      // takes an empty object.
      if (const auto* parameters = find_object(*function, "parameters")) {
        out["input_schema"] = *parameters;
      } else {
        out["input_schema"] = object{{"type", "object"}, {"properties", object()}};
      }
      tools.push_back(std::move(out));
    }
  }

  object choice;
  if (const auto* openai_choice = find(request, "tool_choice")) {
    if (const auto* mode = openai_choice->if_string()) {
      if (*mode == "auto") choice["type"] = "auto";
      if (*mode == "required") choice["type"] = "any";
      if (*mode == "none") choice["type"] = "none";
    } else if (const auto* named = openai_choice->if_object()) {
      if (const auto* function = find_object(*named, "function")) {
        choice["type"] = "tool";
        choice["name"] = string_or(*function, "name");
      }
    }
    if (choice.empty()) notes.push_back("dropped an unrecognised tool_choice");
  }
  const auto* parallel = find(request, "parallel_tool_calls");
  if (parallel && parallel->is_bool() && !parallel->get_bool()) {
    if (choice.empty()) choice["type"] = "auto";
    if (string_or(choice, "type") != "none") choice["disable_parallel_tool_use"] = true;
  }

  if (tools.empty()) {
    if (!choice.empty()) notes.push_back("dropped tool_choice: the request has no tools");
    return;
  }
  body["tools"] = std::move(tools);
  if (!choice.empty()) body["tool_choice"] = std::move(choice);
}

void translate_sampling(const object& request, object& body, std::vector<std::string>& notes) {
  if (const auto* stop = find(request, "stop")) {
    array sequences;
    if (const auto* one = stop->if_string()) {
      if (!one->empty()) sequences.push_back(*one);
    } else if (const auto* many = stop->if_array()) {
      for (const auto& item : *many) {
        if (const auto* s = item.if_string(); s && !s->empty()) sequences.push_back(*s);
      }
    }
    if (!sequences.empty()) body["stop_sequences"] = std::move(sequences);
  }
  if (const auto* temperature = find(request, "temperature");
      temperature && temperature->is_number()) {
    boost::system::error_code ec;
    double t = temperature->to_number<double>(ec);
    // OpenAI accepts 0..2, Anthropic 0..1: clamp rather than fail upstream.
    if (!ec && t > 1.0) {
      notes.push_back("temperature clamped to 1");
      body["temperature"] = 1.0;
    } else if (!ec) {
      body["temperature"] = *temperature;
    }
  }
  for (std::string_view key : {"top_p", "top_k"}) {
    if (const auto* number = find(request, key); number && number->is_number()) {
      body[key] = *number;
    }
  }
}

}  // namespace

object encode_messages_body(const EncodeInput& input, std::vector<std::string>& notes) {
  static const object kEmpty;
  const object& request = input.openai_body ? *input.openai_body : kEmpty;
  object body;
  body["model"] = input.upstream_model;
  body["max_tokens"] = input.max_tokens;
  if (const auto* messages = find_array(request, "messages")) {
    translate_messages(*messages, body, notes);
  } else {
    body["messages"] = array();
  }
  translate_sampling(request, body, notes);
  translate_tools(request, body, notes);
  if (input.stream) body["stream"] = true;
  std::string_view user = input.user.empty() ? string_or(request, "user") : input.user;
  if (!user.empty()) body["metadata"] = object{{"user_id", user}};

  for (const auto& field : request) {
    auto handled = std::find(std::begin(kHandledFields), std::end(kHandledFields), field.key());
    if (handled == std::end(kHandledFields)) {
      notes.push_back("dropped field '" + std::string(field.key()) + "'");
    }
  }
  return body;
}

}  // namespace switchyard::providers::anthropic
