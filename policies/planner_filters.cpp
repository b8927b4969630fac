#include "policies/planner_filters.hpp"

#include <array>
#include <cmath>

#include "policies/rules.hpp"

namespace switchyard::policies {

namespace {

bool contains_ignore_case(const std::vector<std::string>& names, std::string_view provider) {
  for (const auto& name : names) {
    if (equals_ignore_case(name, provider)) return true;
  }
  return false;
}

bool remove(Removal& removal, FilterStage stage, std::string filter, std::string reason) {
  removal.stage = stage;
  removal.filter = std::move(filter);
  removal.reason = std::move(reason);
  return true;
}

std::string seconds_from(Clock::time_point now, Clock::time_point until) {
  auto left = std::chrono::ceil<std::chrono::seconds>(until - now).count();
  return std::to_string(left < 1 ? 1 : left) + " s";
}

// --- key policy -----------------------------------------------------------

bool key_policy(const FilterContext& context, const config::EndpointRef& candidate,
                Removal& removal) {
  if (context.key_policy == nullptr) return false;
  auto reason = policy_removal_reason(*context.key_policy, candidate);
  if (!reason) return false;
  return remove(removal, FilterStage::key_policy, "key_policy:" + context.key_policy->name,
                std::move(*reason));
}

// --- request preferences --------------------------------------------------

bool request_provenance(const FilterContext& context, const config::EndpointRef& candidate,
                        Removal& removal) {
  const RequestPreferences& prefs = *context.prefs;
  if (prefs.provenance_allow.empty() && prefs.provenance_deny.empty()) return false;
  auto reason = rules_removal_reason(prefs.provenance_allow, prefs.provenance_deny, candidate);
  if (!reason) return false;
  return remove(removal, FilterStage::request, "request.provenance", std::move(*reason));
}

bool request_only(const FilterContext& context, const config::EndpointRef& candidate,
                  Removal& removal) {
  const auto& only = context.prefs->only;
  if (only.empty() || contains_ignore_case(only, candidate.provider->name)) return false;
  return remove(removal, FilterStage::request, "request.only",
                "provider " + candidate.provider->name + " not in provider.only");
}

bool request_ignore(const FilterContext& context, const config::EndpointRef& candidate,
                    Removal& removal) {
  if (!contains_ignore_case(context.prefs->ignore, candidate.provider->name)) return false;
  return remove(removal, FilterStage::request, "request.ignore",
                "provider " + candidate.provider->name + " in provider.ignore");
}

// OpenRouter: with allow_fallbacks false, only the providers named in `order`
// may serve the request.
bool request_order(const FilterContext& context, const config::EndpointRef& candidate,
                   Removal& removal) {
  const RequestPreferences& prefs = *context.prefs;
  if (prefs.allow_fallbacks || prefs.order.empty()) return false;
  if (contains_ignore_case(prefs.order, candidate.provider->name)) return false;
  return remove(removal, FilterStage::request, "request.order",
                "provider " + candidate.provider->name +
                    " not in provider.order and allow_fallbacks is false");
}

bool request_max_price(const FilterContext& context, const config::EndpointRef& candidate,
                       Removal& removal) {
  const RequestPreferences& prefs = *context.prefs;
  if (!prefs.max_prompt_price && !prefs.max_completion_price) return false;
  auto reason = price_ceiling_reason(candidate.endpoint->price, prefs.max_prompt_price,
                                     prefs.max_completion_price);
  if (!reason) return false;
  return remove(removal, FilterStage::request, "request.max_price", std::move(*reason));
}

bool request_data_collection(const FilterContext& context, const config::EndpointRef& candidate,
                             Removal& removal) {
  if (!context.prefs->deny_data_collection) return false;
  const config::DataPolicy& data = candidate.provider->data_policy;
  if (!data.retains_prompts && !data.trains_on_prompts) return false;
  std::string reason = "provider " + candidate.provider->name;
  reason += data.retains_prompts ? " retains prompts" : "";
  reason += data.retains_prompts && data.trains_on_prompts ? " and" : "";
  reason += data.trains_on_prompts ? " trains on prompts" : "";
  return remove(removal, FilterStage::request, "request.data_collection", std::move(reason));
}

// An endpoint of unknown quantization is removed too, unless "unknown" is
// listed (OpenRouter's value for it).
bool request_quantizations(const FilterContext& context, const config::EndpointRef& candidate,
                           Removal& removal) {
  const auto& wanted = context.prefs->quantizations;
  if (wanted.empty()) return false;
  const std::string& quantization = candidate.endpoint->quantization;
  std::string_view actual = quantization.empty() ? std::string_view("unknown") : quantization;
  if (contains_ignore_case(wanted, actual)) return false;
  return remove(removal, FilterStage::request, "request.quantizations",
                "quantization " + std::string(actual) + " not in provider.quantizations");
}

// --- capability -----------------------------------------------------------

bool context_length(const FilterContext& context, const config::EndpointRef& candidate,
                    Removal& removal) {
  std::int64_t limit = candidate.endpoint->context_length.value_or(candidate.model->context_length);
  if (limit <= 0) return false;  // unknown: do not guess
  std::int64_t needed = context.prompt_tokens + context.max_tokens.value_or(0);
  if (needed <= limit) return false;
  return remove(removal, FilterStage::capability, "context",
                "needs about " + std::to_string(needed) + " tokens, context length is " +
                    std::to_string(limit));
}

// --- availability ---------------------------------------------------------

bool provider_disabled(const FilterContext&, const config::EndpointRef& candidate,
                       Removal& removal) {
  if (candidate.provider->enabled) return false;
  std::string reason = candidate.provider->disabled_reason;
  if (reason.empty()) reason = "provider " + candidate.provider->name + " is disabled";
  return remove(removal, FilterStage::unavailable, "provider.disabled", std::move(reason));
}

bool health(const FilterContext& context, const config::EndpointRef&, Removal& removal) {
  const EndpointState* state = context.candidate_state;
  if (state == nullptr || state->health() != Health::unhealthy) return false;
  return remove(removal, FilterStage::unavailable, "health", describe(state->health_reason()));
}

bool cooldown(const FilterContext& context, const config::EndpointRef&, Removal& removal) {
  const EndpointState* state = context.candidate_state;
  if (state == nullptr || !state->cooling_down(context.now)) return false;
  return remove(removal, FilterStage::cooling, "cooldown",
                "Retry-After cooldown, available in " +
                    seconds_from(context.now, state->available_at(context.now)));
}

// An open circuit whose cooldown has passed counts as usable (half-open): the
// executor takes the single probe with try_take_probe.
bool circuit(const FilterContext& context, const config::EndpointRef&, Removal& removal) {
  const EndpointState* state = context.candidate_state;
  if (state == nullptr || state->usable(context.now)) return false;
  bool open = state->circuit(context.now) == Circuit::open;
  return remove(removal, FilterStage::cooling, "circuit",
                std::string(open ? "circuit open" : "half-open probe in flight") +
                    ", available in " +
                    seconds_from(context.now, state->available_at(context.now)));
}

constexpr std::array<NamedFilter, 13> kChain = {{
    {"key_policy", FilterStage::key_policy, &key_policy},
    {"request.provenance", FilterStage::request, &request_provenance},
    {"request.only", FilterStage::request, &request_only},
    {"request.ignore", FilterStage::request, &request_ignore},
    {"request.order", FilterStage::request, &request_order},
    {"request.max_price", FilterStage::request, &request_max_price},
    {"request.data_collection", FilterStage::request, &request_data_collection},
    {"request.quantizations", FilterStage::request, &request_quantizations},
    {"context", FilterStage::capability, &context_length},
    {"provider.disabled", FilterStage::unavailable, &provider_disabled},
    {"health", FilterStage::unavailable, &health},
    {"cooldown", FilterStage::cooling, &cooldown},
    {"circuit", FilterStage::cooling, &circuit},
}};

}  // namespace

std::span<const NamedFilter> filter_chain() {
  return kChain;
}

const NamedFilter* find_filter(std::string_view name) {
  for (const NamedFilter& filter : kChain) {
    if (filter.name == name) return &filter;
  }
  return nullptr;
}

bool run_filters(const FilterContext& context, const config::EndpointRef& candidate,
                 Removal& removal) {
  for (const NamedFilter& filter : kChain) {
    if (filter.apply(context, candidate, removal)) return true;
  }
  return false;
}

}  // namespace switchyard::policies
