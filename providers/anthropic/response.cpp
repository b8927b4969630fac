// Anthropic Messages answers -> OpenAI: a whole message, usage, stop reasons
// and errors. The streamed form is in anthropic_stream.cpp.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <boost/json/serialize.hpp>

#include "providers/anthropic/messages.hpp"
#include "providers/canonical/redact.hpp"

namespace switchyard::providers::anthropic {

using boost::json::array;
using boost::json::object;
using boost::json::value;

std::optional<std::int64_t> find_int(const object& fields, std::string_view key) {
  const value* number = fields.if_contains(key);
  if (!number) return std::nullopt;
  if (const auto* i = number->if_int64()) return *i;
  if (const auto* u = number->if_uint64()) {
    if (*u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return static_cast<std::int64_t>(*u);
    }
    return std::nullopt;
  }
  if (const auto* d = number->if_double()) {
    if (std::isfinite(*d) && std::trunc(*d) == *d && std::fabs(*d) < 9.0e15) {
      return static_cast<std::int64_t>(*d);
    }
  }
  return std::nullopt;
}

object openai_usage_object(const Usage& usage) {
  object out;
  out["prompt_tokens"] = usage.prompt_tokens;
  out["completion_tokens"] = usage.completion_tokens;
  out["total_tokens"] = usage.prompt_tokens + usage.completion_tokens;
  out["prompt_tokens_details"] = object{{"cached_tokens", usage.cached_prompt_tokens}};
  return out;
}

void merge_anthropic_usage(const object& anthropic_usage, Usage& usage) {
  // Anthropic's input_tokens excludes cache reads and writes; OpenAI's
  // prompt_tokens includes them. Keep the parts and rebuild the sum.
  std::int64_t input =
      usage.prompt_tokens - usage.cached_prompt_tokens - usage.cache_creation_tokens;
  bool seen = false;
  // A count from the upstream is billed on: never negative (a credit), never
  // large enough for the sums below to overflow.
  auto count = [&](std::string_view key) -> std::optional<std::int64_t> {
    auto v = find_int(anthropic_usage, key);
    if (v) v = std::clamp<std::int64_t>(*v, 0, std::int64_t{1} << 40);
    return v;
  };
  if (auto v = count("input_tokens")) input = *v, seen = true;
  if (auto v = count("cache_read_input_tokens")) {
    usage.cached_prompt_tokens = *v;
    seen = true;
  }
  if (auto v = count("cache_creation_input_tokens")) {
    usage.cache_creation_tokens = *v;
    seen = true;
  }
  if (auto v = count("output_tokens")) {
    usage.completion_tokens = *v;  // cumulative in every event that has it
    seen = true;
  }
  usage.prompt_tokens = input + usage.cached_prompt_tokens + usage.cache_creation_tokens;
  if (seen) usage.reported = true;
  usage.raw = openai_usage_object(usage);
}

const char* finish_reason_from_stop_reason(std::string_view stop_reason) {
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded") {
    return "length";
  }
  if (stop_reason == "tool_use") return "tool_calls";
  if (stop_reason == "refusal") return "content_filter";
  return "stop";  // end_turn, stop_sequence, pause_turn, and anything new
}

const char* stop_reason_from_finish_reason(std::string_view finish_reason) {
  if (finish_reason == "length") return "max_tokens";
  if (finish_reason == "tool_calls" || finish_reason == "function_call") return "tool_use";
  if (finish_reason == "content_filter") return "refusal";
  return "end_turn";
}

bool message_to_completion(const object& message, std::int64_t created, object& completion,
                           Usage& usage) {
  const array* content = find_array(message, "content");
  if (string_or(message, "type") != "message" || !content) return false;

  std::string text;
  std::string reasoning;
  bool has_text = false;
  array tool_calls;
  for (const auto& item : *content) {
    const object* block = item.if_object();
    if (!block) continue;
    std::string_view type = string_or(*block, "type");
    if (type == "text") {
      text.append(string_or(*block, "text"));
      has_text = true;
    } else if (type == "thinking") {
      reasoning.append(string_or(*block, "thinking"));
    } else if (type == "tool_use") {
      const value* input = find(*block, "input");
      object function{{"name", string_or(*block, "name")},
                      {"arguments", input ? boost::json::serialize(*input) : std::string("{}")}};
      tool_calls.push_back(object{{"id", string_or(*block, "id")},
                                  {"type", "function"},
                                  {"function", std::move(function)}});
    }
    // redacted_thinking, server tool blocks and anything new have no OpenAI form.
  }

  object assistant;
  assistant["role"] = "assistant";
  assistant["content"] = has_text ? value(text) : value(nullptr);
  // Required (nullable) by OpenAI's schema; Anthropic says a refusal through
  // stop_reason, which becomes finish_reason "content_filter".
  assistant["refusal"] = nullptr;
  // DeepSeek's field name, which OpenAI-shaped clients already know.
  if (!reasoning.empty()) assistant["reasoning_content"] = reasoning;
  if (!tool_calls.empty()) assistant["tool_calls"] = std::move(tool_calls);

  object choice;
  choice["index"] = 0;
  choice["message"] = std::move(assistant);
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = finish_reason_from_stop_reason(string_or(message, "stop_reason"));

  if (const auto* anthropic_usage = find_object(message, "usage")) {
    merge_anthropic_usage(*anthropic_usage, usage);
  } else {
    usage.raw = openai_usage_object(usage);
  }

  completion = object();
  completion["id"] = string_or(message, "id");
  completion["object"] = "chat.completion";
  completion["created"] = created;
  completion["model"] = string_or(message, "model");
  completion["choices"] = array{std::move(choice)};
  completion["usage"] = usage.raw;
  return true;
}

namespace {

FailureKind kind_from_status(int status) {
  if (status == 429) return FailureKind::rate_limited;
  if (status >= 500 || status == 408) return FailureKind::server_error;  // 529 overloaded too
  return FailureKind::client_error;
}

FailureKind kind_from_type(std::string_view type) {
  if (type == "rate_limit_error") return FailureKind::rate_limited;
  if (type == "invalid_request_error" || type == "authentication_error" ||
      type == "permission_error" || type == "not_found_error" || type == "request_too_large" ||
      type == "billing_error") {
    return FailureKind::client_error;
  }
  return FailureKind::server_error;  // overloaded_error, api_error, timeout_error, unknown
}

}  // namespace

UpstreamError make_upstream_error(int status, std::string_view type, std::string_view message) {
  constexpr std::size_t kMaxMessageBytes = 300;
  UpstreamError error;
  error.status = status;
  error.kind = status != 0 ? kind_from_status(status) : kind_from_type(type);
  std::string text = "anthropic: ";
  text.append(type.empty() ? std::string_view("error") : type);
  text.append(": ");
  if (status == 401 || type == "authentication_error") {
    // Whatever the upstream says about our credential stays here.
    text.append("the upstream rejected the configured API key");
  } else {
    text.append(providers::redact_keys(message));
  }
  error.message = truncate_utf8(text, kMaxMessageBytes);
  return error;
}

bool split_data_url(std::string_view url, std::string_view& media_type, std::string_view& data) {
  constexpr std::string_view kScheme = "data:";
  constexpr std::string_view kBase64 = ";base64,";
  if (!url.starts_with(kScheme)) return false;
  std::size_t marker = url.find(kBase64);
  if (marker == std::string_view::npos || marker == kScheme.size()) return false;
  media_type = url.substr(kScheme.size(), marker - kScheme.size());
  data = url.substr(marker + kBase64.size());
  return !data.empty();
}

std::string truncate_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t cut = max_bytes;
  // Step back over continuation bytes (10xxxxxx) to a sequence boundary.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut));
}

}  // namespace switchyard::providers::anthropic
