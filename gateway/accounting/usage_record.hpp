#pragma once
// One UsageRecord per request, written exactly once at the end whatever
// happened. It is the billing and audit record: the usage log stores it whole,
// Prometheus and the share statistics are views of it.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "config/money.hpp"

namespace switchyard {

struct AttemptRecord {
  std::string model;  // catalog id
  std::string provider;
  std::string upstream_model;
  std::string outcome;  // ok | connect_error | tls_error | timeout | server_error |
                        // rate_limited | client_error | protocol | truncated |
                        // overloaded | client_gone
  int status = 0;       // upstream HTTP status, 0 when none
  double duration_ms = 0;
  // The upstream received the request and may bill it even though we did not
  // use the answer (it failed after the request was sent).
  bool may_have_billed = false;
};

struct UsageRecord {
  std::string request_id;
  std::int64_t time_unix_ms = 0;  // when the request arrived
  std::string route;              // "chat" | "messages"
  std::string key_name;           // configured key name, never the key
  // The caller's `user` (Anthropic: metadata.user_id) and OpenAI `metadata`
  // pairs, bounded and sanitised (request_tags.hpp). Never metric labels.
  std::string user;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::string requested_model;
  bool stream = false;

  // The endpoint that served (or last tried). Empty when none was reached.
  std::string served_model;
  std::string provider;
  std::string upstream_model;
  std::string family = "other";
  std::string origin = "other";
  std::string weights = "other";
  std::string hosting = "other";  // local | remote
  std::string jurisdiction;
  // Where the provenance facts came from: model | provider_default | unknown.
  std::string provenance_source;
  // When served_model was named through a wildcard entry, that entry's id
  // ("ollama/*"): the metric label, bounded by the catalog. Else empty.
  std::string wildcard;

  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cached_prompt_tokens = 0;
  std::int64_t cache_creation_tokens = 0;
  bool usage_estimated = false;
  Picousd cost = 0;  // at the served endpoint's price

  double ttft_ms = -1;  // -1: no token reached the client
  double duration_ms = 0;
  double upstream_wait_ms = 0;  // time spent waiting on upstreams

  std::vector<AttemptRecord> attempts;
  std::vector<std::string>
      policy_decisions;   // "policy no-cn-remote removed deepseek/deepseek-r1@deepseek: origin CN
                          // hosted remote"
  std::string denied_by;  // policy name when the request was denied

  // One of the Outcome strings (gateway/flow/outcome.hpp): ok | bad_request |
  // unauthorized | denied | not_found | upstream_error | rate_limited |
  // no_endpoint | truncated | shutdown | client_disconnect
  std::string outcome = "ok";
  int status = 200;
};

// The model as a metric label: the wildcard entry's id for a name only a
// wildcard matched, so labels stay bounded by the catalog.
inline const std::string& model_label(const UsageRecord& record) {
  return record.wildcard.empty() ? record.served_model : record.wildcard;
}

// One JSON line (no trailing newline), stable field names.
std::string to_json_line(const UsageRecord& record);
// Parses a line written by to_json_line; false on a malformed line.
bool from_json_line(std::string_view line, UsageRecord& record);

}  // namespace switchyard
