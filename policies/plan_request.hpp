#pragma once
// What the planner needs to know about a request, and nothing more: no JSON
// body, so replay and explain can plan from a usage record or a form as well
// as from a parsed client request.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policies/request_preferences.hpp"

namespace switchyard::policies {

// Which API the request speaks; a candidate must be able to serve it.
enum class RequestKind { chat };

struct PlanRequest {
  RequestKind kind = RequestKind::chat;
  std::string model;                // as requested, possibly with :floor / :nitro
  std::vector<std::string> models;  // fallback models, after `model`
  RequestPreferences prefs;
  std::int64_t estimated_prompt_tokens = 0;
  std::optional<std::int64_t> max_tokens;  // the caller's cap on completion tokens
  // Features an endpoint must offer ("tools", "vision", ...); empty means none
  // are required. Nothing fills it yet.
  std::vector<std::string> required_capabilities;
};

}  // namespace switchyard::policies
