#include "gateway/flow/flow_support.hpp"

#include <boost/json.hpp>

#include "providers/canonical/token_estimate.hpp"
#include "providers/redact_secret.hpp"

namespace switchyard {

namespace json = boost::json;

void fill_endpoint_facts(UsageRecord& record, const config::EndpointRef& ref) {
  record.served_model = ref.model->id;
  record.provider = ref.provider->name;
  record.upstream_model = ref.endpoint->upstream_model;
  record.family = ref.model->family;
  record.origin = ref.model->origin;
  record.weights = config::to_string(ref.model->weights);
  record.hosting = config::to_string(ref.provider->location);
  record.jurisdiction = ref.provider->jurisdiction;
  record.provenance_source = ref.model->provenance_source;
  record.wildcard = ref.model->wildcard;
}

HeaderList served_headers(const std::string& request_id, const config::EndpointRef& ref,
                          std::size_t attempts) {
  return {{"x-request-id", request_id},
          {"x-switchyard-provider", ref.provider->name},
          {"x-switchyard-model", ref.model->id},
          {"x-switchyard-attempts", std::to_string(attempts)}};
}

ErrorCode error_for_failure(const providers::UpstreamError& failure) {
  switch (failure.kind) {
    case providers::FailureKind::timeout:
      return ErrorCode::upstream_timeout;
    case providers::FailureKind::tls:
      return ErrorCode::upstream_tls_error;
    case providers::FailureKind::rate_limited:
      return ErrorCode::upstream_rate_limited;
    case providers::FailureKind::overloaded:
      return ErrorCode::overloaded;
    default:
      return ErrorCode::upstream_error;
  }
}

bool operator_side_refusal(const providers::UpstreamError& failure) {
  return failure.status == 401 || failure.status == 403 || failure.status == 404;
}

bool may_fall_back(const AttemptRecord& attempt, const providers::UpstreamError& failure,
                   bool retry_possibly_billed) {
  if (attempt.may_have_billed && !retry_possibly_billed) return false;
  return failure.kind != providers::FailureKind::client_error || operator_side_refusal(failure);
}

Error final_error(const providers::UpstreamError* last_failure) {
  if (last_failure == nullptr) {
    Error error = make_error(ErrorCode::no_endpoint,
                             "every endpoint for this model is cooling down; retry later");
    error.retry_after_s = 1;
    return error;
  }
  Error error = make_error(error_for_failure(*last_failure), last_failure->message);
  // Passed on as a 401 the client would blame its own gateway key: a 502,
  // the message names the provider (see RequestFlow::learn_from_failure).
  if (operator_side_refusal(*last_failure)) return error;
  if (last_failure->kind == providers::FailureKind::client_error && last_failure->status >= 400) {
    error.upstream_status = last_failure->status;
  }
  if (last_failure->retry_after) {
    error.retry_after_s = static_cast<int>(last_failure->retry_after->count());
  }
  return error;
}

std::string redact(std::string text, const config::Provider& provider) {
  providers::redact_secret(text, provider.api_key);
  return text;
}

std::int64_t estimate_completion_tokens(const json::object& completion) {
  std::int64_t tokens = 0;
  const json::value* choices = completion.if_contains("choices");
  if (choices == nullptr || !choices->is_array()) return 0;
  for (const json::value& choice : choices->get_array()) {
    const json::object* object = choice.if_object();
    const json::value* message = object ? object->if_contains("message") : nullptr;
    const json::object* fields = message ? message->if_object() : nullptr;
    if (fields == nullptr) continue;
    for (std::string_view name : {"content", "reasoning_content"}) {
      const json::value* text = fields->if_contains(name);
      if (text && text->is_string()) tokens += estimate_text_tokens(text->get_string());
    }
    if (const json::value* calls = fields->if_contains("tool_calls")) {
      tokens += estimate_text_tokens(json::serialize(*calls));
    }
  }
  return tokens;
}

}  // namespace switchyard
