#include "gateway/errors.hpp"

#include <boost/json.hpp>

#include "providers/canonical/strict_json.hpp"

namespace switchyard {

namespace {
struct ErrorInfo {
  int status;
  const char* type;
  const char* code;
  bool retry;
};

ErrorInfo info(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_json:
      return {400, "invalid_request_error", "invalid_json", false};
    case ErrorCode::invalid_request:
      return {400, "invalid_request_error", "invalid_request", false};
    case ErrorCode::unauthorized:
      return {401, "authentication_error", "invalid_api_key", false};
    case ErrorCode::policy_denied:
      return {403, "permission_error", "policy_denied", false};
    case ErrorCode::model_not_found:
      return {404, "invalid_request_error", "model_not_found", false};
    case ErrorCode::route_not_found:
      return {404, "invalid_request_error", "not_found", false};
    case ErrorCode::method_not_allowed:
      return {405, "invalid_request_error", "method_not_allowed", false};
    case ErrorCode::body_too_large:
      return {413, "invalid_request_error", "request_too_large", false};
    case ErrorCode::headers_too_large:
      return {431, "invalid_request_error", "headers_too_large", false};
    case ErrorCode::all_cooling_down:
      return {429, "rate_limit_error", "all_endpoints_cooling_down", true};
    case ErrorCode::upstream_rate_limited:
      return {429, "rate_limit_error", "upstream_rate_limited", true};
    case ErrorCode::upstream_error:
      return {502, "upstream_error", "bad_gateway", true};
    case ErrorCode::upstream_tls_error:
      return {502, "upstream_error", "upstream_tls_error", true};
    case ErrorCode::upstream_truncated:
      return {502, "upstream_error", "upstream_truncated", true};
    case ErrorCode::no_endpoint:
      return {503, "upstream_error", "no_endpoint_available", true};
    case ErrorCode::overloaded:
      return {503, "server_error", "overloaded", true};
    case ErrorCode::shutting_down:
      return {503, "server_error", "shutting_down", true};
    case ErrorCode::upstream_timeout:
      return {504, "upstream_error", "upstream_timeout", true};
    case ErrorCode::internal:
      return {500, "server_error", "internal_error", true};
    case ErrorCode::not_implemented:
      return {501, "invalid_request_error", "not_implemented", false};
    case ErrorCode::key_concurrency:
      return {429, "rate_limit_error", "too_many_concurrent_requests", true};
  }
  return {500, "server_error", "internal_error", true};
}
}  // namespace

int http_status(const Error& error) {
  if (error.upstream_status && *error.upstream_status >= 400 && *error.upstream_status < 500) {
    return *error.upstream_status;
  }
  return info(error.code).status;
}
const char* error_type(ErrorCode code) {
  return info(code).type;
}
const char* error_code_name(ErrorCode code) {
  return info(code).code;
}
bool should_retry(const Error& error) {
  if (error.retryable) return *error.retryable;
  if (error.upstream_status && *error.upstream_status >= 400 && *error.upstream_status < 500) {
    return *error.upstream_status == 408 || *error.upstream_status == 429;
  }
  return info(error.code).retry;
}

std::string error_body(const Error& error) {
  boost::json::object inner;
  // The message may quote upstream bytes; invalid UTF-8 would make the body
  // invalid JSON.
  inner["message"] = valid_utf8(error.message);
  inner["type"] = error_type(error.code);
  if (error.param.empty()) {
    inner["param"] = nullptr;
  } else {
    inner["param"] = error.param;
  }
  inner["code"] = error_code_name(error.code);
  boost::json::object outer;
  outer["error"] = std::move(inner);
  return boost::json::serialize(outer);
}

}  // namespace switchyard
