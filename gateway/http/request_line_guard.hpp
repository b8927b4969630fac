#pragma once
// Checks on the start of a request while its header block is still arriving,
// so that malformed input is refused as soon as it is seen rather than held
// until the header timeout: a TLS handshake on the plain port, a bare LF or
// bare CR line end, a method that is not a token, raw non-ASCII or control
// bytes in the request target, a version that is not HTTP/x.y.
#include <string>
#include <string_view>

namespace switchyard {

// Checks the bytes received so far of one request (from the request line up
// to, at most, the end of the header block). An empty result means "nothing
// wrong yet"; otherwise the reason for a 400.
std::string check_request_prefix(std::string_view received);

// RFC 9112 section 2.2: a server SHOULD ignore empty lines (CRLF) received
// before the request line. Returns how many leading bytes are such lines; a
// trailing lone CR is left for the next read to complete.
std::size_t leading_empty_lines(std::string_view received);

}  // namespace switchyard
