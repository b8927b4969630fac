#pragma once
// What the routes need from a request target and the client's headers, as
// pure functions: the path of an origin-form or absolute-form target, a query
// parameter, and a client request id made safe for logs.
#include <string>
#include <string_view>

namespace switchyard {

// "/v1/models?x=1" -> "/v1/models"; "http://host:8080/v1/models" -> "/v1/models"
// (RFC 9112 section 3.2.2: servers must accept absolute-form); "http://host"
// -> "/".
std::string_view target_path(std::string_view target);

// The raw value of `name` in the target's query, "" when absent.
std::string query_param(std::string_view target, std::string_view name);

// A client's X-Request-Id when it is 1..64 characters of [A-Za-z0-9._:-],
// else "" (the gateway then makes its own). Anything else could forge log
// lines or headers, or blow up log size.
std::string sanitized_request_id(std::string_view client_value);

}  // namespace switchyard
