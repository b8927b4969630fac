#pragma once
// Request framing checks that Beast 1.81 does not make itself. Each of these
// is a request-smuggling or desync vector when one hop reads the framing
// differently from the next, so each is a 400 and the connection closes.
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace switchyard {

// Checks the raw header block (request line and header lines, up to and
// including the blank line): obsolete line folding, bare LF line ends, NUL.
// Returns an empty string when acceptable, else the reason.
std::string check_raw_header_block(std::string_view block);

// Checks the parsed header: Transfer-Encoding whose final coding is not
// chunked, Transfer-Encoding with Content-Length, Transfer-Encoding on
// HTTP/1.0, a missing or repeated Host on HTTP/1.1.
std::string check_request_framing(
    const boost::beast::http::request_header<boost::beast::http::fields>& header);

// Beast 1.81 merges the trailer fields of a chunked body into the header
// fields, each next to a header field of the same name. Trailers are not
// headers (RFC 9110 section 6.5.1): a trailer Authorization or Host would pass
// where a front proxy only checked the header. The session copies the header
// section before reading a chunked body and puts it back afterwards.
void restore_header_section(boost::beast::http::fields& fields,
                            boost::beast::http::fields&& header_section);

}  // namespace switchyard
