#pragma once
// How a request ended, as one enum with one table: the outcome gives the HTTP
// status and the error the client sees (through the error table in
// gateway/errors), the outcome string of the usage record and the value of
// the `outcome` metric label. The strings are part of the usage log format.
#include <optional>
#include <string_view>

#include "gateway/errors.hpp"

namespace switchyard {

enum class Outcome {
  ok,
  bad_request,
  unauthorized,
  denied,
  not_found,
  rate_limited,
  no_endpoint,
  upstream_error,
  truncated,          // the upstream's stream ended without saying it was done
  shutdown,           // cancelled at the end of the shutdown grace period
  client_disconnect,  // the client left before the answer was complete
};

struct OutcomeInfo {
  Outcome outcome;
  const char* record_name;   // UsageRecord::outcome
  const char* metric_label;  // `outcome` label of switchyard_requests_total
  // The error the client gets when the flow itself ends the request this way
  // (an error that came from elsewhere keeps its own code).
  std::optional<ErrorCode> error;
  int status;  // the HTTP status when no response had started
};

const OutcomeInfo& outcome_info(Outcome outcome);
inline const char* record_name(Outcome outcome) {
  return outcome_info(outcome).record_name;
}
inline const char* metric_label(Outcome outcome) {
  return outcome_info(outcome).metric_label;
}

// The outcome a client-visible error stands for.
Outcome outcome_of(ErrorCode code);
// The Outcome whose record name is `name`; nullopt for an unknown string.
std::optional<Outcome> outcome_named(std::string_view name);

// The error the client gets for an outcome the flow decided (shutdown,
// truncated), with `message`.
Error outcome_error(Outcome outcome, std::string message);

}  // namespace switchyard
