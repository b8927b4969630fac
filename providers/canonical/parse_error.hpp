#pragma once
// Why a client body was rejected, in the canonical layer's own words. The
// gateway maps the kind onto its ErrorCode (and so onto the HTTP status); this
// layer knows nothing of HTTP.
#include <string>

namespace switchyard {

enum class ParseErrorKind {
  invalid_json,     // not JSON at all, or JSON we refuse (non-finite numbers, too deep)
  invalid_request,  // JSON, but a field is missing, of the wrong type or out of range
};

struct ParseError {
  ParseErrorKind kind = ParseErrorKind::invalid_request;
  std::string message;  // names the field: "messages[0].role: is required"
  std::string param;    // the field's path, empty when the body as a whole is wrong
};

}  // namespace switchyard
