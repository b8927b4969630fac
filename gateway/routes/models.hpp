#pragma once
// GET /v1/models (OpenRouter-like entries plus our provenance facts, or
// Anthropic's list shape for Anthropic clients) and the readiness verdict,
// both read from a snapshot and live endpoint state.
#include <string>

#include "config/snapshot.hpp"
#include "policies/endpoint_state.hpp"
#include "policies/endpoint_table.hpp"

namespace switchyard {

struct ModelsQuery {
  // ?all=true: the whole catalog, usable or not; otherwise only models a
  // client could use (see model_listed).
  bool all = false;
  // The client sent anthropic-version: answer in Anthropic's list shape.
  bool anthropic = false;
};

std::string render_models(const config::Snapshot& snapshot, const policies::EndpointTable& table,
                          policies::Clock::time_point now, const ModelsQuery& query = {});

// A model is listed by default when one of its endpoints is enabled (provider
// on, key present) and not on a server that said it lacks the model. Passing
// trouble (a failing health check, an open circuit, a cooldown) keeps it
// listed, so model pickers do not flicker.
bool model_listed(const config::Snapshot& snapshot, const config::Model& model,
                  const policies::EndpointTable& table);

// An endpoint can take traffic: provider enabled, not unhealthy, circuit not
// open, not cooling down. Without a state in the table, it has none of those.
bool endpoint_usable(const config::EndpointRef& ref, const policies::EndpointState* state,
                     policies::Clock::time_point now);
std::size_t usable_endpoint_count(const config::Snapshot& snapshot,
                                  const policies::EndpointTable& endpoints,
                                  policies::Clock::time_point now);

// GET /readyz: 200 with "ready" while any endpoint is usable, else 503; the
// body lists every endpoint that is not healthy, with its state and reason.
struct Readiness {
  int status = 200;
  std::string body;
};
Readiness render_readiness(const config::Snapshot& snapshot, const policies::EndpointTable& table,
                           policies::Clock::time_point now);

}  // namespace switchyard
