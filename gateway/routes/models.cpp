#include "gateway/routes/models.hpp"

#include <boost/json.hpp>

namespace switchyard {

namespace json = boost::json;

namespace {
const char* state_name(const config::EndpointRef& ref, const policies::EndpointState* state,
                       policies::Clock::time_point now) {
  if (!ref.provider->enabled) return "disabled";
  if (state == nullptr) return "unknown";
  if (state->health() == policies::Health::unhealthy) return "unhealthy";
  if (!state->usable(now)) return "cooling_down";
  if (state->health() == policies::Health::healthy) return "healthy";
  return "unknown";
}
}  // namespace

bool endpoint_usable(const config::EndpointRef& ref, const policies::EndpointState* state,
                     policies::Clock::time_point now) {
  if (!ref.provider->enabled) return false;
  return state == nullptr || (state->health() != policies::Health::unhealthy && state->usable(now));
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
                          policies::Clock::time_point now) {
  json::array data;
  for (const config::Model& model : snapshot.config().models) {
    json::array endpoints;
    Picousd cheapest_prompt = -1;
    Picousd cheapest_completion = -1;
    for (const config::EndpointRef& ref : snapshot.endpoints_of(model)) {
      const config::Price& price = ref.endpoint->price;
      const policies::EndpointState* state = table.find(ref);
      json::object endpoint;
      endpoint["provider"] = ref.provider->name;
      endpoint["upstream_model"] = ref.endpoint->upstream_model;
      endpoint["hosting"] = config::to_string(ref.provider->location);
      endpoint["jurisdiction"] = ref.provider->jurisdiction;
      endpoint["retains_prompts"] = ref.provider->data_policy.retains_prompts;
      endpoint["trains_on_prompts"] = ref.provider->data_policy.trains_on_prompts;
      if (!ref.endpoint->quantization.empty())
        endpoint["quantization"] = ref.endpoint->quantization;
      endpoint["pricing"] = {{"prompt", format_price_per_token(price.prompt)},
                             {"completion", format_price_per_token(price.completion)},
                             {"input_cache_read", format_price_per_token(price.cached_prompt)}};
      endpoint["state"] = state_name(ref, state, now);
      endpoints.push_back(std::move(endpoint));
      bool usable = endpoint_usable(ref, state, now);
      if (usable && (cheapest_prompt < 0 || price.prompt < cheapest_prompt)) {
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
    data.push_back(std::move(entry));
  }
  json::object out;
  out["object"] = "list";
  out["data"] = std::move(data);
  return json::serialize(out);
}

}  // namespace switchyard
