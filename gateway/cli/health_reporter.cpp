#include "gateway/cli/health_reporter.hpp"

#include <vector>

#include "gateway/accounting/access_log.hpp"
#include "gateway/accounting/metrics.hpp"
#include "gateway/http/server.hpp"
#include "providers/upstream/model_listing.hpp"

namespace switchyard {

namespace {

using policies::Health;
using policies::HealthReason;

struct EndpointVerdict {
  const config::EndpointRef* ref = nullptr;
  Health health = Health::unknown;
  HealthReason reason = HealthReason::none;
  bool changed = false;
};

// A wildcard entry ("ollama/*") passes any name through: the server's
// verdict holds for it, whatever the listing says.
EndpointVerdict judge(const config::EndpointRef& ref, const providers::HealthVerdict& verdict) {
  EndpointVerdict out{&ref};
  if (!verdict.reachable) {
    out.health = Health::unhealthy;
    out.reason = HealthReason::check_failed;
  } else if (verdict.listed_models && !ref.model->is_wildcard() &&
             !providers::listing_serves(*verdict.listed_models, ref.endpoint->upstream_model)) {
    out.health = Health::unhealthy;
    out.reason = HealthReason::model_not_listed;
  } else {
    out.health = Health::healthy;
  }
  return out;
}

std::string where(const config::Provider& provider) {
  std::string at = provider.url.host;
  at.append(":").append(std::to_string(provider.url.port));
  return at;
}

// "serves 1 of 2 catalog models (it lists 3); not listed: b (qwen2.5:7b)"
std::string serving_summary(const std::vector<EndpointVerdict>& endpoints,
                            const providers::HealthVerdict& verdict) {
  std::size_t served = 0;
  std::string missing;
  for (const EndpointVerdict& endpoint : endpoints) {
    if (endpoint.health == Health::healthy) {
      ++served;
      continue;
    }
    missing.append(missing.empty() ? "; not listed: " : ", ");
    missing.append(endpoint.ref->model->id)
        .append(" (")
        .append(endpoint.ref->endpoint->upstream_model)
        .append(")");
  }
  std::string text = "serves ";
  text.append(std::to_string(served))
      .append(" of ")
      .append(std::to_string(endpoints.size()))
      .append(" catalog models");
  if (verdict.listed_models) {
    text.append(" (it lists ").append(std::to_string(verdict.listed_models->size())).append(")");
  } else {
    text.append(" (checked as one server)");
  }
  return text + missing;
}

}  // namespace

void HealthReporter::on_verdict(const std::string& provider_name,
                                const providers::HealthVerdict& verdict) {
  config::SnapshotPtr snapshot = gateway_.snapshot();
  const config::Provider* provider = nullptr;
  for (const config::Provider& p : snapshot->config().providers) {
    if (p.name == provider_name) provider = &p;
  }
  if (provider == nullptr) return;  // gone in a reload since the probe left
  metrics_.set_endpoint_up(provider_name, verdict.reachable);

  std::vector<EndpointVerdict> endpoints;
  for (const config::EndpointRef& ref : snapshot->endpoints()) {
    if (ref.provider != provider) continue;
    EndpointVerdict endpoint = judge(ref, verdict);
    if (policies::EndpointState* state = gateway_.endpoints().find(ref))
      endpoint.changed = state->set_health(endpoint.health, endpoint.reason);
    endpoints.push_back(endpoint);
  }

  auto seen = answered_.find(provider_name);
  const bool first = seen == answered_.end();
  const bool reachability_changed = first || seen->second != verdict.reachable;
  answered_[provider_name] = verdict.reachable;
  std::string prefix = "health: " + provider_name + " at " + where(*provider);
  if (reachability_changed) {
    if (verdict.reachable) {
      log_info(prefix + (first ? " answered; " : " answers again; ") +
               serving_summary(endpoints, verdict));
    } else {
      log_warn(prefix + (first ? " did not answer (" : " stopped answering (") + verdict.problem +
               "); its " + std::to_string(endpoints.size()) + " catalog models are unhealthy");
    }
    return;
  }
  // The server answers as before: report the models whose listing changed.
  for (const EndpointVerdict& endpoint : endpoints) {
    if (!endpoint.changed) continue;
    std::string line = "health: " + endpoint.ref->model->id + " on " + provider_name + " (" +
                       endpoint.ref->endpoint->upstream_model + ") is now ";
    if (endpoint.health == Health::healthy) {
      log_info(line + "healthy");
    } else {
      log_warn(line + "unhealthy: " + policies::describe(endpoint.reason));
    }
  }
}

}  // namespace switchyard
