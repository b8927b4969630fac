#include "gateway/flow/outcome.hpp"

#include <array>

namespace switchyard {

namespace {

// The one table. 499 is nginx's "client closed request": no client saw it.
constexpr std::array<OutcomeInfo, 11> kOutcomes{{
    {Outcome::ok, "ok", "ok", std::nullopt, 200},
    {Outcome::bad_request, "bad_request", "bad_request", ErrorCode::invalid_request, 400},
    {Outcome::unauthorized, "unauthorized", "unauthorized", ErrorCode::unauthorized, 401},
    {Outcome::denied, "denied", "denied", ErrorCode::policy_denied, 403},
    {Outcome::not_found, "not_found", "not_found", ErrorCode::model_not_found, 404},
    {Outcome::rate_limited, "rate_limited", "rate_limited", ErrorCode::all_cooling_down, 429},
    {Outcome::no_endpoint, "no_endpoint", "no_endpoint", ErrorCode::no_endpoint, 503},
    {Outcome::upstream_error, "upstream_error", "upstream_error", ErrorCode::upstream_error, 502},
    {Outcome::truncated, "truncated", "truncated", ErrorCode::upstream_truncated, 502},
    {Outcome::shutdown, "shutdown", "shutdown", ErrorCode::shutting_down, 503},
    {Outcome::client_disconnect, "client_disconnect", "client_disconnect", std::nullopt, 499},
}};

}  // namespace

const OutcomeInfo& outcome_info(Outcome outcome) {
  for (const OutcomeInfo& info : kOutcomes) {
    if (info.outcome == outcome) return info;
  }
  return kOutcomes[static_cast<std::size_t>(Outcome::upstream_error)];
}

Outcome outcome_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_json:
    case ErrorCode::invalid_request:
    case ErrorCode::route_not_found:
    case ErrorCode::method_not_allowed:
    case ErrorCode::body_too_large:
    case ErrorCode::headers_too_large:
    case ErrorCode::not_implemented:
      return Outcome::bad_request;
    case ErrorCode::unauthorized:
      return Outcome::unauthorized;
    case ErrorCode::policy_denied:
      return Outcome::denied;
    case ErrorCode::model_not_found:
      return Outcome::not_found;
    case ErrorCode::all_cooling_down:
    case ErrorCode::upstream_rate_limited:
    case ErrorCode::key_concurrency:
      return Outcome::rate_limited;
    case ErrorCode::no_endpoint:
    case ErrorCode::overloaded:
      return Outcome::no_endpoint;
    case ErrorCode::upstream_truncated:
      return Outcome::truncated;
    case ErrorCode::shutting_down:
      return Outcome::shutdown;
    case ErrorCode::upstream_error:
    case ErrorCode::upstream_tls_error:
    case ErrorCode::upstream_timeout:
    case ErrorCode::internal:
      return Outcome::upstream_error;
  }
  return Outcome::upstream_error;
}

std::optional<Outcome> outcome_named(std::string_view name) {
  for (const OutcomeInfo& info : kOutcomes) {
    if (name == info.record_name) return info.outcome;
  }
  return std::nullopt;
}

Error outcome_error(Outcome outcome, std::string message) {
  const OutcomeInfo& info = outcome_info(outcome);
  return make_error(info.error.value_or(ErrorCode::internal), std::move(message));
}

}  // namespace switchyard
