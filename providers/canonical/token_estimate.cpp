#include "providers/canonical/token_estimate.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace switchyard {

namespace {

namespace json = boost::json;

struct Tally {
  std::int64_t text_bytes = 0;
  std::int64_t images = 0;
};

bool is_image_part(std::string_view type) {
  return type == "image_url" || type == "input_image" || type == "image";
}

void count_content(const json::value& content, Tally& tally) {
  if (content.is_string()) {
    tally.text_bytes += static_cast<std::int64_t>(content.get_string().size());
    return;
  }
  if (!content.is_array()) return;
  for (const json::value& part : content.get_array()) {
    if (part.is_string()) {
      tally.text_bytes += static_cast<std::int64_t>(part.get_string().size());
      continue;
    }
    const json::object* object = part.if_object();
    if (object == nullptr) continue;
    const json::value* type = object->if_contains("type");
    std::string_view type_name = type != nullptr && type->is_string()
                                     ? std::string_view(type->get_string())
                                     : std::string_view();
    if (is_image_part(type_name)) {
      ++tally.images;
    } else if (const json::value* text = object->if_contains("text");
               text != nullptr && text->is_string()) {
      tally.text_bytes += static_cast<std::int64_t>(text->get_string().size());
    }
  }
}

void count_tool_calls(const json::value& tool_calls, Tally& tally) {
  if (!tool_calls.is_array()) return;
  for (const json::value& call : tool_calls.get_array()) {
    const json::object* object = call.if_object();
    if (object == nullptr) continue;
    const json::value* function = object->if_contains("function");
    if (function == nullptr || !function->is_object()) continue;
    for (std::string_view field : {"name", "arguments"}) {
      const json::value* text = function->get_object().if_contains(field);
      if (text != nullptr && text->is_string()) {
        tally.text_bytes += static_cast<std::int64_t>(text->get_string().size());
      }
    }
  }
}

}  // namespace

std::int64_t estimate_text_tokens(std::string_view text) {
  return (static_cast<std::int64_t>(text.size()) + 3) / 4;
}

std::int64_t estimate_prompt_tokens(const boost::json::object& chat_body) {
  const json::value* messages = chat_body.if_contains("messages");
  if (messages == nullptr || !messages->is_array()) return 0;
  Tally tally;
  std::int64_t message_count = 0;
  for (const json::value& message : messages->get_array()) {
    const json::object* object = message.if_object();
    if (object == nullptr) continue;
    ++message_count;
    if (const json::value* content = object->if_contains("content")) count_content(*content, tally);
    if (const json::value* calls = object->if_contains("tool_calls")) {
      count_tool_calls(*calls, tally);
    }
  }
  return (tally.text_bytes + 3) / 4 + kTokensPerMessageOverhead * message_count +
         kTokensPerImage * tally.images;
}

}  // namespace switchyard
