#pragma once
// The canonical chat request: an OpenAI Chat Completions body, parsed strictly,
// with the routing-only fields (models, provider, provenance) taken out so what
// goes upstream is our own serialisation of exactly what we routed on.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include <boost/json/value.hpp>

#include "providers/canonical/parse_error.hpp"

namespace switchyard {

struct ChatRequest {
  // The storage is fixed at construction: parsing into the same storage lets
  // the parsed tree move in instead of being copied (see parse_chat_request).
  explicit ChatRequest(boost::json::storage_ptr storage = {})
      : body(storage), provider_preferences(storage), provenance(std::move(storage)) {}

  boost::json::object body;         // forwarded fields (model is rewritten per attempt)
  std::string model;                // as requested, possibly with :floor / :nitro
  std::vector<std::string> models;  // OpenRouter fallback list, after `model`
  bool stream = false;
  bool include_usage = false;              // the caller asked for the usage chunk
  std::optional<std::int64_t> max_tokens;  // max_tokens or max_completion_tokens
  std::int64_t estimated_prompt_tokens = 0;
  // The caller's routing preferences, kept as sent (null when absent, else
  // an object): OpenRouter's `provider` object and our `provenance` object.
  // The planner's own parser reads them; this layer only checks their type.
  boost::json::value provider_preferences;
  boost::json::value provenance;
  std::string user;  // the `user` field, never logged as a label
};

// Parses and validates a Chat Completions body into `out`, allocating from
// out.body's storage. Rejects malformed JSON,
// non-finite numbers, duplicate routing keys, wrong types and missing fields
// with an invalid_json / invalid_request error naming the field.
bool parse_chat_request(std::string_view body, ChatRequest& out, ParseError& error);

// Validates an already-parsed object (used by the Anthropic ingress, which
// builds the canonical body itself).
bool validate_chat_object(boost::json::object object, ChatRequest& out, ParseError& error);

}  // namespace switchyard
