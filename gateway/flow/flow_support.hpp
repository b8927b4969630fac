#pragma once
// Small pieces of the request flow that need no socket: what the record and
// the response headers say about the serving endpoint, how an upstream
// failure is told to the client, and estimates when the upstream gave none.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "config/snapshot.hpp"
#include "gateway/accounting/usage_record.hpp"
#include "gateway/errors.hpp"
#include "gateway/flow/dialects/client_dialect.hpp"
#include "providers/codec.hpp"

namespace switchyard {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

void fill_endpoint_facts(UsageRecord& record, const config::EndpointRef& ref);

// x-request-id, x-switchyard-provider, -model and -attempts.
HeaderList served_headers(const std::string& request_id, const config::EndpointRef& ref,
                          std::size_t attempts);

// timeout -> 504, TLS -> 502 upstream_tls_error, 429 -> 429, else 502.
ErrorCode error_for_failure(const providers::UpstreamError& failure);

// An upstream 401, 403 or 404: about the operator's credentials or catalog
// (a wrong key, a model the server has not pulled), not the client's
// request. Another endpoint may well answer; the breaker counts it.
bool operator_side_refusal(const providers::UpstreamError& failure);

// Whether another endpoint may be tried after this failed attempt. An
// attempt that may have been billed is not sent again unless the operator
// said so (routing.retry_possibly_billed); a fault of the request itself
// would fail everywhere.
bool may_fall_back(const AttemptRecord& attempt, const providers::UpstreamError& failure,
                   bool retry_possibly_billed);

// The error a client gets when no attempt answered: the last upstream failure
// (an upstream 4xx about the request passed on as is, one about the
// operator's setup a 502 naming the provider), or "cooling down" when none
// was tried.
Error final_error(const providers::UpstreamError* last_failure);

// Removes the provider's own key from upstream text we pass on.
std::string redact(std::string text, const config::Provider& provider);

// Tokens of the answer text of a chat.completion, when the upstream reported
// no usage.
std::int64_t estimate_completion_tokens(const boost::json::object& completion);

}  // namespace switchyard
