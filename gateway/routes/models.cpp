#include "gateway/routes/models.hpp"

#include <boost/json.hpp>

#include "policies/endpoint_condition.hpp"

namespace switchyard {

namespace json = boost::json;
using policies::EndpointCondition;

namespace {

// "healthy" for an endpoint that passed its health check; "unknown" when it
// has none or none has answered yet (both can take traffic).
std::string_view state_name(EndpointCondition condition, const policies::EndpointState* state) {
  if (condition == EndpointCondition::healthy &&
      (state == nullptr || state->health() != policies::Health::healthy)) {
    return "unknown";
  }
  return policies::to_string(condition);
}

json::object endpoint_entry(const config::EndpointRef& ref, const policies::EndpointState* state,
                            policies::Clock::time_point now) {
  const config::Price& price = ref.endpoint->price;
  json::object endpoint;
  endpoint["provider"] = ref.provider->name;
  endpoint["upstream_model"] = ref.endpoint->upstream_model;
  endpoint["hosting"] = config::to_string(ref.provider->location);
  endpoint["jurisdiction"] = ref.provider->jurisdiction;
  endpoint["retains_prompts"] = ref.provider->data_policy.retains_prompts;
  endpoint["trains_on_prompts"] = ref.provider->data_policy.trains_on_prompts;
  if (!ref.endpoint->quantization.empty()) endpoint["quantization"] = ref.endpoint->quantization;
  endpoint["pricing"] = {{"prompt", format_price_per_token(price.prompt)},
                         {"completion", format_price_per_token(price.completion)},
                         {"input_cache_read", format_price_per_token(price.cached_prompt)}};
  EndpointCondition condition = policies::endpoint_condition(ref, state, now);
  endpoint["state"] = state_name(condition, state);
  std::string reason = policies::condition_reason(ref, state, condition);
  if (!reason.empty()) endpoint["reason"] = reason;
  return endpoint;
}

json::object openai_entry(const config::Snapshot& snapshot, const config::Model& model,
                          const policies::EndpointTable& table, policies::Clock::time_point now) {
  json::array endpoints;
  Picousd cheapest_prompt = -1;
  Picousd cheapest_completion = -1;
  for (const config::EndpointRef& ref : snapshot.endpoints_of(model)) {
    const policies::EndpointState* state = table.find(ref);
    endpoints.push_back(endpoint_entry(ref, state, now));
    const config::Price& price = ref.endpoint->price;
    if (endpoint_usable(ref, state, now) &&
        (cheapest_prompt < 0 || price.prompt < cheapest_prompt)) {
      cheapest_prompt = price.prompt;
      cheapest_completion = price.completion;
    }
  }
  if (cheapest_prompt < 0 && !model.endpoints.empty()) {
    cheapest_prompt = model.endpoints.front().price.prompt;
    cheapest_completion = model.endpoints.front().price.completion;
  }
  json::object entry;
  entry["id"] = model.id;
  entry["object"] = "model";
  entry["created"] = 0;
  entry["owned_by"] = model.author;
  entry["name"] = model.name;
  entry["context_length"] = model.context_length;
  entry["provenance_source"] = model.provenance_source;  // model | provider_default | unknown
  // OpenRouter lists prices as strings in USD per token.
  entry["pricing"] = {
      {"prompt", format_price_per_token(std::max<Picousd>(cheapest_prompt, 0))},
      {"completion", format_price_per_token(std::max<Picousd>(cheapest_completion, 0))}};
  entry["family"] = model.family;
  entry["author"] = model.author;
  entry["origin"] = model.origin;
  entry["weights"] = config::to_string(model.weights);
  entry["license"] = model.license;
  entry["endpoints"] = std::move(endpoints);
  return entry;
}

// Anthropic's ModelInfo. The catalog has no release dates: created_at is the
// epoch, as OpenAI-shaped entries say "created": 0.
json::object anthropic_entry(const config::Model& model) {
  return {{"type", "model"},
          {"id", model.id},
          {"display_name", model.name.empty() ? model.id : model.name},
          {"created_at", "1970-01-01T00:00:00Z"}};
}

}  // namespace

bool endpoint_usable(const config::EndpointRef& ref, const policies::EndpointState* state,
                     policies::Clock::time_point now) {
  if (!ref.provider->enabled) return false;
  return state == nullptr || (state->health() != policies::Health::unhealthy && state->usable(now));
}

bool model_listed(const config::Snapshot& snapshot, const config::Model& model,
                  const policies::EndpointTable& table) {
  for (const config::EndpointRef& ref : snapshot.endpoints_of(model)) {
    if (!ref.provider->enabled) continue;
    const policies::EndpointState* state = table.find(ref);
    if (state == nullptr || state->health() != policies::Health::unhealthy ||
        state->health_reason() != policies::HealthReason::model_not_listed) {
      return true;
    }
  }
  return false;
}

std::size_t usable_endpoint_count(const config::Snapshot& snapshot,
                                  const policies::EndpointTable& endpoints,
                                  policies::Clock::time_point now) {
  std::size_t count = 0;
  for (const auto& ref : snapshot.endpoints()) {
    count += endpoint_usable(ref, endpoints.find(ref), now) ? 1 : 0;
  }
  return count;
}

std::string render_models(const config::Snapshot& snapshot, const policies::EndpointTable& table,
                          policies::Clock::time_point now, const ModelsQuery& query) {
  json::array data;
  for (const config::Model& model : snapshot.config().models) {
    if (!query.all && !model_listed(snapshot, model, table)) continue;
    if (query.anthropic) {
      data.push_back(anthropic_entry(model));
    } else {
      data.push_back(openai_entry(snapshot, model, table, now));
    }
  }
  json::object out;
  if (query.anthropic) {
    // One page holds the whole catalog.
    json::value first = data.empty() ? json::value(nullptr) : data.front().at("id");
    json::value last = data.empty() ? json::value(nullptr) : data.back().at("id");
    out["data"] = std::move(data);
    out["has_more"] = false;
    out["first_id"] = std::move(first);
    out["last_id"] = std::move(last);
    return json::serialize(out);
  }
  out["object"] = "list";
  out["data"] = std::move(data);
  return json::serialize(out);
}

Readiness render_readiness(const config::Snapshot& snapshot, const policies::EndpointTable& table,
                           policies::Clock::time_point now) {
  std::size_t usable = 0;
  json::array not_healthy;
  for (const config::EndpointRef& ref : snapshot.endpoints()) {
    const policies::EndpointState* state = table.find(ref);
    usable += endpoint_usable(ref, state, now) ? 1 : 0;
    EndpointCondition condition = policies::endpoint_condition(ref, state, now);
    if (condition == EndpointCondition::healthy) continue;
    not_healthy.push_back({{"model", ref.model->id},
                           {"provider", ref.provider->name},
                           {"state", policies::to_string(condition)},
                           {"reason", policies::condition_reason(ref, state, condition)}});
  }
  json::object out;
  out["status"] = usable > 0 ? "ready" : "not_ready";
  out["usable_endpoints"] = usable;
  out["not_healthy"] = std::move(not_healthy);
  return {usable > 0 ? 200 : 503, json::serialize(out)};
}

}  // namespace switchyard
