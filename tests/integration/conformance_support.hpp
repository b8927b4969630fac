#pragma once
// Checks of what the gateway writes against OpenAI's published schemas
// (tests/conformance/openai_schemas.json), and against how every peer writes
// numbers: plain decimals, never exponent form.
#include <string>
#include <string_view>
#include <vector>

#include "tests/integration/http_client.hpp"
#include "tests/integration/json_schema.hpp"

namespace itest {

// The schema set of tests/conformance/openai_schemas.json, loaded once.
const SchemaSet& openai_schemas();

// The number tokens of JSON text written with an exponent ("1.38E-4", "0E0"),
// outside strings.
std::vector<std::string> exponent_numbers(std::string_view json_text);

// Doctest checks: `json_text` parses, conforms to $defs/<def_name>, and writes
// no number in exponent form. On failure the problems and the text are shown.
// Returns whether all held.
bool check_conforms(std::string_view def_name, std::string_view json_text);

// Every SSE event's data but "[DONE]" conforms to a stream chunk, except an
// in-band error event, which must be an ErrorResponse. Returns the count of
// chunks checked.
std::size_t check_stream_conforms(const std::vector<SseEvent>& events);

}  // namespace itest
