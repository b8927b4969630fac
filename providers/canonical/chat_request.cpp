#include "providers/canonical/chat_request.hpp"

#include <array>
#include <string_view>

#include <boost/json.hpp>

#include "providers/canonical/strict_json.hpp"
#include "providers/canonical/token_estimate.hpp"

namespace switchyard {

namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 6> kRoles = {"system",    "developer", "user",
                                                    "assistant", "tool",      "function"};

ParseError field_error(std::string field, std::string what) {
  std::string message = field + ": " + what;
  return {ParseErrorKind::invalid_request, std::move(message), std::move(field)};
}

ParseError type_error(const std::string& field, const char* expected, const json::value& got) {
  return field_error(field, std::string("must be ") + expected + ", got " + json_type_name(got));
}

bool check_message(const json::value& item, std::size_t index, ParseError& error) {
  std::string where = "messages[" + std::to_string(index) + "]";
  const json::object* message = item.if_object();
  if (message == nullptr) {
    error = type_error(where, "an object", item);
    return false;
  }
  const json::value* role = message->if_contains("role");
  if (role == nullptr) {
    error = field_error(where + ".role", "is required");
    return false;
  }
  const json::string* role_text = role->if_string();
  if (role_text == nullptr) {
    error = type_error(where + ".role", "a string", *role);
    return false;
  }
  bool known = false;
  for (auto name : kRoles) known = known || *role_text == name;
  if (!known) {
    error = field_error(where + ".role",
                        "must be one of system, developer, user, assistant, tool, function");
    return false;
  }
  const json::value* content = message->if_contains("content");
  if (content != nullptr && !content->is_string() && !content->is_array() && !content->is_null()) {
    error = type_error(where + ".content", "a string, an array of parts or null", *content);
    return false;
  }
  if (content == nullptr && *role_text != "assistant") {
    error = field_error(where + ".content", "is required");
    return false;
  }
  return true;
}

bool read_count(const json::object& body, std::string_view name, std::optional<std::int64_t>& out,
                ParseError& error) {
  const json::value* value = body.if_contains(name);
  if (value == nullptr || value->is_null()) return true;
  std::int64_t count = 0;
  if (!json_to_count(*value, count)) {
    error = field_error(std::string(name), "must be a non-negative integer");
    return false;
  }
  out = count;
  return true;
}

bool read_optional_number(const json::object& body, std::string_view name, ParseError& error) {
  const json::value* value = body.if_contains(name);
  if (value == nullptr || value->is_null() || value->is_number()) return true;
  error = type_error(std::string(name), "a number", *value);
  return false;
}

// Moves an optional object field (null or absent: left null) out of `body`, so
// it never goes upstream. Routing-only fields are the caller's to read.
bool take_object_field(json::object& body, std::string_view name, json::value& out,
                       ParseError& error) {
  auto it = body.find(name);
  if (it == body.end()) return true;
  if (!it->value().is_null() && !it->value().is_object()) {
    error = type_error(std::string(name), "an object", it->value());
    return false;
  }
  out = std::move(it->value());
  body.erase(it);
  return true;
}

// `model`, or an OpenRouter `models` list whose first entry is the model.
bool read_model_fields(const json::object& body, ChatRequest& out, ParseError& error) {
  if (const json::value* models = body.if_contains("models")) {
    const json::array* list = models->if_array();
    if (list == nullptr) {
      error = type_error("models", "an array of model ids", *models);
      return false;
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
      const json::string* id = (*list)[i].if_string();
      if (id == nullptr) {
        error = type_error("models[" + std::to_string(i) + "]", "a string", (*list)[i]);
        return false;
      }
      // An empty id would become the routed model when `model` is absent.
      if (id->empty()) {
        error = field_error("models[" + std::to_string(i) + "]", "must not be empty");
        return false;
      }
      out.models.emplace_back(*id);
    }
  }
  if (const json::value* model = body.if_contains("model")) {
    const json::string* id = model->if_string();
    if (id == nullptr) {
      error = type_error("model", "a string", *model);
      return false;
    }
    out.model.assign(id->data(), id->size());
  }
  if (out.model.empty()) {
    if (out.models.empty()) {
      error = field_error("model", "is required");
      return false;
    }
    out.model = out.models.front();
    out.models.erase(out.models.begin());
  }
  return true;
}

bool check_messages(const json::object& body, ParseError& error) {
  const json::value* messages = body.if_contains("messages");
  if (messages == nullptr) {
    error = field_error("messages", "is required");
    return false;
  }
  const json::array* message_list = messages->if_array();
  if (message_list == nullptr) {
    error = type_error("messages", "an array", *messages);
    return false;
  }
  if (message_list->empty()) {
    error = field_error("messages", "must not be empty");
    return false;
  }
  for (std::size_t i = 0; i < message_list->size(); ++i) {
    if (!check_message((*message_list)[i], i, error)) return false;
  }
  return true;
}

bool read_stream_fields(const json::object& body, ChatRequest& out, ParseError& error) {
  if (const json::value* stream = body.if_contains("stream"); stream && !stream->is_null()) {
    if (!stream->is_bool()) {
      error = type_error("stream", "a boolean", *stream);
      return false;
    }
    out.stream = stream->get_bool();
  }
  if (const json::value* options = body.if_contains("stream_options");
      options && !options->is_null()) {
    const json::object* object = options->if_object();
    if (object == nullptr) {
      error = type_error("stream_options", "an object", *options);
      return false;
    }
    if (const json::value* usage = object->if_contains("include_usage")) {
      if (!usage->is_bool()) {
        error = type_error("stream_options.include_usage", "a boolean", *usage);
        return false;
      }
      out.include_usage = usage->get_bool();
    }
  }
  return true;
}

}  // namespace

bool validate_chat_object(json::object body, ChatRequest& out, ParseError& error) {
  if (!read_model_fields(body, out, error) || !check_messages(body, error) ||
      !read_stream_fields(body, out, error)) {
    return false;
  }
  std::optional<std::int64_t> max_tokens;
  std::optional<std::int64_t> max_completion_tokens;
  if (!read_count(body, "max_tokens", max_tokens, error) ||
      !read_count(body, "max_completion_tokens", max_completion_tokens, error)) {
    return false;
  }
  out.max_tokens = max_completion_tokens ? max_completion_tokens : max_tokens;
  for (std::string_view name : {"temperature", "top_p", "presence_penalty", "frequency_penalty"}) {
    if (!read_optional_number(body, name, error)) return false;
  }
  if (const json::value* user = body.if_contains("user"); user && !user->is_null()) {
    if (!user->is_string()) {
      error = type_error("user", "a string", *user);
      return false;
    }
    out.user.assign(user->get_string().data(), user->get_string().size());
  }

  if (!take_object_field(body, "provider", out.provider_preferences, error) ||
      !take_object_field(body, "provenance", out.provenance, error)) {
    return false;
  }
  out.estimated_prompt_tokens = estimate_prompt_tokens(body);

  // Routing-only fields never go upstream.
  body.erase("models");
  out.body = std::move(body);
  return true;
}

bool parse_chat_request(std::string_view text, ChatRequest& out, ParseError& error) {
  json::value parsed(out.body.storage());
  std::string reason;
  if (!parse_json_strict(text, parsed, reason)) {
    error = {ParseErrorKind::invalid_json, "request body is not valid JSON: " + reason, {}};
    return false;
  }
  json::object* body = parsed.if_object();
  if (body == nullptr) {
    error = {ParseErrorKind::invalid_request,
             std::string("request body must be a JSON object, got ") + json_type_name(parsed),
             {}};
    return false;
  }
  return validate_chat_object(std::move(*body), out, error);
}

}  // namespace switchyard
