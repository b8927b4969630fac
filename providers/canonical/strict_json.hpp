#pragma once
// Strict JSON for untrusted input: Boost.JSON without exceptions, with the
// traps of Boost 1.81 closed (non-finite numbers would serialise as
// `Infinity`, which is not JSON).
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace switchyard {

// Parses `text` into `out`, allocating from out's storage, with a nesting
// cap; false and a short reason on failure or on a number too large to
// represent.
bool parse_json_strict(std::string_view text, boost::json::value& out, std::string& reason);

// True when every number in `value` is finite.
bool all_numbers_finite(const boost::json::value& value);

// The JSON type name of a value, for messages ("string", "number", ...).
const char* json_type_name(const boost::json::value& value);

// Appends `text` as a quoted JSON string. Text from clients may be invalid
// UTF-8: each bad byte becomes \ufffd, so a log line is never invalid JSON.
void append_json_string(std::string& out, std::string_view text);

// `text` with each byte that does not start a valid UTF-8 sequence replaced
// by U+FFFD. Boost.JSON serialises strings byte for byte, so text that may
// hold upstream or client bytes goes through this before it becomes JSON.
std::string valid_utf8(std::string_view text);

// A whole non-negative integer, from an int64, uint64 or integral double.
bool json_to_count(const boost::json::value& value, std::int64_t& out);

}  // namespace switchyard
