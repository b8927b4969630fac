// The routing planner.
//
// Candidates are (model × endpoint) pairs: every endpoint of the requested
// model, then of each model in the request's `models` fallback list, in that
// order. Filters (planner_filters.cpp) remove candidates, hard ones first:
// the key's policy, then the request's preferences, then capability (context
// length), then availability (provider disabled, health check, Retry-After
// cooldown, open circuit). Rankers (planner_rankers.cpp) order what is left
// within each model; models keep the caller's fallback order. The plan keeps
// at most routing.max_attempts attempts (one when allow_fallbacks is false).
//
// Default order, when the caller gives no sort, no :floor/:nitro suffix and no
// provider.order: cheapest first, by estimated cost of this request,
//   estimated_prompt_tokens × prompt price
//     + (max_tokens, or routing.default_completion_tokens) × completion price
// (policies/pricing: estimated_cost),
// with load spread across near-equal prices: walking from the cheapest, the
// candidates whose cost is within routing.price_tie_ratio (default 5%) of the
// first (cheapest) candidate of the group form a tie group, and that group is
// rotated by the request's spread seed, so successive requests start at
// different providers; the next dearer candidate starts the next group. An
// explicit sort=price or :floor takes the strictly cheapest, without spread.
//
// sort=latency orders by TTFT p50 ascending, sort=throughput (:nitro) by
// output tokens/s p50 descending (EWMA when no window yet). Endpoints not
// measured yet go first, so they are explored rather than starved; the first
// completed request measures them. preferred_max_latency and
// preferred_min_throughput only move measured endpoints that miss them to the
// back; provider.order then puts the named providers first, in that order.
//
// When nothing is left, the failure says why, in this precedence: every
// candidate removed by the key policy -> denied (naming the policy and the
// facts); everything the policy left removed only by cooldown or an open
// circuit -> cooling_down with Retry-After; anything else -> no_endpoint.
#include "policies/planner.hpp"

#include <algorithm>

#include <boost/algorithm/string/predicate.hpp>

#include <algorithm>
#include <limits>

#include "policies/model_resolution.hpp"
#include "policies/planner_filters.hpp"
#include "policies/planner_rankers.hpp"
#include "policies/pricing.hpp"

namespace switchyard::policies {

namespace {

struct ModelChoice {
  const config::Model* model = nullptr;
  std::span<const config::EndpointRef> endpoints;
  SortBy sort = SortBy::none;
};

// How many candidates each kind of filter removed.
struct RemovalTally {
  std::size_t total = 0;
  std::size_t by_stage[static_cast<int>(FilterStage::cooling) + 1] = {};
  std::size_t of(FilterStage stage) const { return by_stage[static_cast<int>(stage)]; }
};

// Resolves request.model then request.models, suffixes stripped, duplicates
// dropped. A suffix sets the sort of its own model only, over provider.sort
// (it is the more specific ask). A name only a wildcard matches gets a model
// of its own, kept by the plan. False (with the plan's failure set) on an
// unknown model: a typo in a fallback list should not pass silently.
bool resolve_models(const config::Snapshot& snapshot, const PlanRequest& request,
                    std::vector<ModelChoice>& choices, RoutePlan& plan) {
  choices.reserve(1 + request.models.size());
  auto add = [&](std::string_view requested) {
    SortBy sort = request.prefs.sort;
    std::string_view id = strip_model_suffix(requested, sort);
    ModelResolution resolved = resolve_model(snapshot, id, requested);
    const config::Model* model = resolved.model;
    if (model == nullptr) {
      plan.failure = PlanFailure::unknown_model;
      plan.message = std::move(resolved.message);
      return false;
    }
    for (const ModelChoice& choice : choices) {
      if (choice.model == model || choice.model->id == resolved.wildcard_id) return true;
    }
    if (resolved.wildcard_id.empty()) {
      choices.push_back({model, snapshot.endpoints_of(*model), sort});
      return true;
    }
    const auto& instance = plan.wildcard_models.emplace_back(
        instantiate_wildcard(snapshot, *model, resolved.wildcard_id));
    choices.push_back({&instance->model, instance->endpoints, sort});
    return true;
  };
  if (!request.model.empty() && !add(request.model)) return false;
  for (const std::string& fallback : request.models) {
    if (!add(fallback)) return false;
  }
  if (choices.empty()) {
    plan.failure = PlanFailure::unknown_model;
    plan.message = resolve_model(snapshot, request.model, request.model).message;
    return false;
  }
  return true;
}

// The stage of the filter that removed a trace entry (failure path only).
FilterStage stage_of(const TraceEntry& entry) {
  if (entry.filter.starts_with("key_policy")) return FilterStage::key_policy;
  const NamedFilter* filter = find_filter(entry.filter);
  return filter != nullptr ? filter->stage : FilterStage::request;
}

// The removal reasons of `model`'s candidates: distinct reasons, or one per
// provider ("deepseek: origin CN; local: health check failing").
std::string reasons_for(const RoutePlan& plan, const config::Model* model, bool with_provider) {
  std::string out;
  std::vector<const std::string*> seen;
  for (const TraceEntry& entry : plan.trace) {
    if (entry.kept || entry.endpoint->model != model) continue;
    bool duplicate = std::any_of(seen.begin(), seen.end(),
                                 [&](const std::string* other) { return *other == entry.reason; });
    if (duplicate && !with_provider) continue;
    seen.push_back(&entry.reason);
    if (!out.empty()) out += "; ";
    if (with_provider) out += entry.endpoint->provider->name + ": ";
    out += entry.reason;
  }
  return out;
}

std::string model_list_message(const RoutePlan& plan, const std::vector<ModelChoice>& choices,
                               bool with_provider) {
  std::string out;
  for (const ModelChoice& choice : choices) {
    if (!out.empty()) out += ", ";
    out += choice.model->id;
    std::string reasons = reasons_for(plan, choice.model, with_provider);
    if (!reasons.empty()) out += " (" + reasons + ")";
  }
  return out;
}

std::chrono::seconds retry_after_for(const RoutePlan& plan, const EndpointTable& endpoints,
                                     Clock::time_point now, const config::Routing& routing) {
  Clock::time_point earliest = Clock::time_point::max();
  for (const TraceEntry& entry : plan.trace) {
    if (entry.kept || stage_of(entry) != FilterStage::cooling) continue;
    const EndpointState* state = endpoints.find(*entry.endpoint);
    if (state != nullptr) earliest = std::min(earliest, state->available_at(now));
  }
  auto seconds = earliest == Clock::time_point::max()
                     ? std::chrono::seconds(1)
                     : std::chrono::ceil<std::chrono::seconds>(earliest - now);
  auto cap = std::max(std::chrono::duration_cast<std::chrono::seconds>(routing.retry_after_cap),
                      std::chrono::seconds(1));
  return std::clamp(seconds, std::chrono::seconds(1), cap);
}

// The request field a request-stage filter stands for.
std::string_view field_of_filter(std::string_view filter) {
  if (filter == "request.provenance") return "provenance";
  if (filter.starts_with("request.")) return filter.substr(8);
  return filter;
}

// Every endpoint was removed by the key's policy or the request's own
// fields, and at least one by the request: its preferences are at fault.
// Names the first field that removed something.
bool explain_preferences_failure(RoutePlan& plan, const std::vector<ModelChoice>& choices,
                                 const RemovalTally& tally) {
  if (tally.of(FilterStage::request) == 0 ||
      tally.of(FilterStage::request) + tally.of(FilterStage::key_policy) != tally.total) {
    return false;
  }
  for (const TraceEntry& entry : plan.trace) {
    if (entry.kept || !entry.filter.starts_with("request.")) continue;
    std::string_view field = field_of_filter(entry.filter);
    plan.param = field == "provenance" ? std::string(field) : "provider." + std::string(field);
    break;
  }
  plan.failure = PlanFailure::bad_preferences;
  plan.retryable = false;
  plan.message = "the request's " + plan.param + " rules out every endpoint of " +
                 model_list_message(plan, choices, true);
  return true;
}

void explain_failure(RoutePlan& plan, const std::vector<ModelChoice>& choices,
                     const RemovalTally& tally, const config::Policy* policy,
                     const PlanInput& input) {
  const config::Routing& routing = input.snapshot.config().server.routing;
  if (policy != nullptr && tally.of(FilterStage::key_policy) == tally.total) {
    plan.failure = PlanFailure::denied;
    plan.denied_by = policy->name;
    plan.message = "policy '" + policy->name + "' of this key excludes every endpoint of " +
                   model_list_message(plan, choices, false);
    return;
  }
  std::size_t unavailable = tally.of(FilterStage::unavailable);
  std::size_t cooling = tally.of(FilterStage::cooling);
  if (cooling > 0 && unavailable == 0) {
    plan.failure = PlanFailure::cooling_down;
    plan.retry_after = retry_after_for(plan, input.endpoints, input.now, routing);
    plan.message = "every endpoint of " + choices.front().model->id +
                   (choices.size() > 1 ? " and its fallbacks" : "") +
                   " is cooling down after upstream errors or rate limits; retry after " +
                   std::to_string(plan.retry_after->count()) + " s";
    return;
  }
  if (explain_preferences_failure(plan, choices, tally)) return;
  plan.failure = PlanFailure::no_endpoint;
  if (unavailable + cooling == 0) {
    plan.retryable = false;  // the request and policy rule everything out
    plan.message = "no endpoint satisfies this key's policy and the request's preferences: " +
                   model_list_message(plan, choices, true);
  } else {
    plan.message = "no endpoint is available: " + model_list_message(plan, choices, true);
  }
}

void record_decision(RoutePlan& plan, const TraceEntry& entry, FilterStage stage) {
  // The audit log keeps every provenance-driven removal.
  bool audited = stage == FilterStage::key_policy || entry.filter == "request.provenance" ||
                 entry.filter == "request.data_collection";
  if (!audited) return;
  std::string decision = entry.filter;
  decision += " removed ";
  decision += entry.endpoint->key;
  decision += " (";
  decision += entry.reason;
  decision += ')';
  plan.policy_decisions.push_back(std::move(decision));
}

// A provider name in provider.only / order / ignore that the config does not
// know is a typo: silently ignoring it would route where the caller said not
// to, or nowhere.
bool check_provider_names(const config::Snapshot& snapshot, const RequestPreferences& prefs,
                          RoutePlan& plan) {
  const std::pair<const char*, const std::vector<std::string>*> lists[] = {
      {"provider.only", &prefs.only},
      {"provider.order", &prefs.order},
      {"provider.ignore", &prefs.ignore}};
  for (const auto& [field, names] : lists) {
    for (const std::string& name : *names) {
      // Matched without case, as the only / order / ignore filters match.
      const auto& known = snapshot.config().providers;
      if (std::ranges::any_of(known, [&](const config::Provider& p) {
            return boost::algorithm::iequals(p.name, name);
          })) {
        continue;
      }
      plan.failure = PlanFailure::bad_preferences;
      plan.retryable = false;
      plan.param = field;
      plan.message = std::string(field) + ": unknown provider '" + name + "'";
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view strip_model_suffix(std::string_view model, SortBy& sort) {
  constexpr std::string_view kFloor = ":floor";
  constexpr std::string_view kNitro = ":nitro";
  if (model.ends_with(kFloor)) {
    sort = SortBy::price;
    return model.substr(0, model.size() - kFloor.size());
  }
  if (model.ends_with(kNitro)) {
    sort = SortBy::throughput;
    return model.substr(0, model.size() - kNitro.size());
  }
  return model;
}

const char* to_string(PlanFailure failure) {
  switch (failure) {
    case PlanFailure::none:
      return "none";
    case PlanFailure::unknown_model:
      return "unknown_model";
    case PlanFailure::denied:
      return "denied";
    case PlanFailure::cooling_down:
      return "cooling_down";
    case PlanFailure::no_endpoint:
      return "no_endpoint";
    case PlanFailure::bad_preferences:
      return "bad_preferences";
  }
  return "none";
}

RoutePlan plan_route(const PlanInput& input) {
  RoutePlan plan;
  const config::Snapshot& snapshot = input.snapshot;
  const PlanRequest& request = input.request;
  const RequestPreferences& prefs = request.prefs;
  const config::Routing& routing = snapshot.config().server.routing;

  std::vector<ModelChoice> choices;
  if (!resolve_models(snapshot, request, choices, plan)) return plan;
  if (!check_provider_names(snapshot, prefs, plan)) return plan;

  const config::Policy* policy = nullptr;
  if (input.key != nullptr && !input.key->policy.empty()) {
    policy = snapshot.find_policy(input.key->policy);
    if (policy == nullptr) {  // fail closed on a policy that does not exist
      plan.failure = PlanFailure::denied;
      plan.denied_by = input.key->policy;
      plan.message = "policy '" + input.key->policy + "' of this key is not defined";
      return plan;
    }
  }

  std::size_t candidate_count = 0;
  for (const ModelChoice& choice : choices) {
    candidate_count += choice.endpoints.size();
  }
  plan.trace.reserve(candidate_count);
  std::vector<RankedCandidate> kept;
  kept.reserve(candidate_count);
  RemovalTally tally;

  FilterContext context{policy, &prefs, request.estimated_prompt_tokens, request.max_tokens,
                        input.now};
  const std::int64_t completion_tokens = estimated_completion_tokens(request, routing);

  std::size_t attempt_limit =
      prefs.allow_fallbacks ? std::max<std::size_t>(routing.max_attempts, 1) : 1;
  Removal removal;
  for (const ModelChoice& choice : choices) {
    std::size_t group_begin = kept.size();
    for (const config::EndpointRef& ref : choice.endpoints) {
      Picousd cost =
          estimated_cost(ref.endpoint->price, request.estimated_prompt_tokens, completion_tokens);
      const EndpointState* state = input.endpoints.find(ref);
      context.candidate_state = state;
      TraceEntry& entry = plan.trace.emplace_back();
      entry.endpoint = &ref;
      entry.estimated_cost = cost;
      if (run_filters(context, ref, removal)) {
        entry.filter = std::move(removal.filter);
        entry.reason = std::move(removal.reason);
        ++tally.total;
        ++tally.by_stage[static_cast<int>(removal.stage)];
        record_decision(plan, entry, removal.stage);
        continue;
      }
      RankedCandidate& candidate = kept.emplace_back();
      candidate.ref = &ref;
      candidate.cost = cost;
      candidate.trace_index = plan.trace.size() - 1;
      if (state != nullptr) candidate.stats = state->stats();
    }
    std::span<RankedCandidate> group(kept.data() + group_begin, kept.size() - group_begin);
    rank_candidates(group, choice.sort, prefs, routing.price_tie_ratio, input.spread_seed);
  }

  std::size_t planned = std::min(kept.size(), attempt_limit);
  plan.attempts.reserve(planned);
  plan.estimated_costs.reserve(planned);
  for (std::size_t i = 0; i < kept.size(); ++i) {
    TraceEntry& entry = plan.trace[kept[i].trace_index];
    entry.stats = kept[i].stats;
    if (i < planned) {
      entry.kept = true;
      entry.rank = static_cast<int>(i);
      plan.attempts.push_back(kept[i].ref);
      plan.estimated_costs.push_back(kept[i].cost);
    } else {
      entry.filter = "attempt_limit";
      entry.reason = prefs.allow_fallbacks
                         ? "beyond max_attempts (" + std::to_string(attempt_limit) + ")"
                         : "allow_fallbacks is false: one attempt";
    }
  }
  if (plan.attempts.empty()) {
    explain_failure(plan, choices, tally, policy, input);
  }
  return plan;
}

}  // namespace switchyard::policies
