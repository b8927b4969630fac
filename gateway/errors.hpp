#pragma once
// One error vocabulary for the request path: every failure a client can see is
// an ErrorCode, and one table maps it to the HTTP status and the OpenAI-style
// body {"error":{"message","type","code"}}. No exceptions cross this line.
#include <optional>
#include <string>

namespace switchyard {

enum class ErrorCode {
  invalid_json,           // 400
  invalid_request,        // 400: wrong type, missing field, bad value
  unauthorized,           // 401
  policy_denied,          // 403
  model_not_found,        // 404
  route_not_found,        // 404
  method_not_allowed,     // 405
  body_too_large,         // 413
  headers_too_large,      // 431
  all_cooling_down,       // 429
  upstream_rate_limited,  // 429 from the upstream, no fallback left
  upstream_error,         // 502
  upstream_tls_error,     // 502
  upstream_truncated,     // 502: the upstream's stream ended without finishing
  no_endpoint,            // 503: nothing usable (disabled, unhealthy)
  overloaded,             // 503: connection cap
  shutting_down,          // 503: cancelled at the end of the shutdown grace period
  upstream_timeout,       // 504
  internal,               // 500
  not_implemented,        // 501: a method token the gateway does not know
  key_concurrency,        // 429: the key's concurrent request limit
};

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;
  std::string param;                   // the offending field, when there is one
  std::optional<int> retry_after_s;    // sets Retry-After
  std::optional<int> upstream_status;  // an upstream's own 4xx passed on
  std::optional<bool> retryable;       // overrides the code's default (x-should-retry)
};

int http_status(const Error& error);
const char* error_type(ErrorCode code);       // "invalid_request_error", ...
const char* error_code_name(ErrorCode code);  // "model_not_found", ...
// Whether a client retrying the same request could succeed (x-should-retry).
bool should_retry(const Error& error);
// {"error":{"message":...,"type":...,"param":...,"code":...}}
std::string error_body(const Error& error);

inline Error make_error(ErrorCode code, std::string message, std::string param = {}) {
  return Error{code,         std::move(message), std::move(param),
               std::nullopt, std::nullopt,       std::nullopt};
}

}  // namespace switchyard
