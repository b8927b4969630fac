#include "gateway/http/request_line_guard.hpp"

namespace switchyard {

namespace {

// RFC 9110 section 5.6.2 tchar.
bool is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

// Visible ASCII: what a request target may hold (RFC 3986 plus the
// characters clients send unencoded in practice, never raw octets >= 0x80).
bool is_target_char(unsigned char c) {
  return c > 0x20 && c < 0x7f;
}

constexpr unsigned char kTlsHandshakeRecord = 0x16;

// Line ends must be CRLF everywhere in the header block. A bare LF would be
// read as a line end by some hops and not by others, so we refuse it rather
// than accept it (RFC 9112 section 2.2 allows either).
std::string check_line_ends(std::string_view data) {
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) return "lines must end with CRLF";
    if (data[i] == '\r' && i + 1 < data.size() && data[i + 1] != '\n') {
      return "bare CR in the request header";
    }
  }
  return {};
}

std::string check_version(std::string_view rest) {
  // "HTTP/" DIGIT "." DIGIT CRLF, compared as far as it has arrived.
  static constexpr std::string_view kShape = "HTTP/0.0\r";
  for (std::size_t i = 0; i < rest.size() && i < kShape.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(rest[i]);
    bool fits = kShape[i] == '0' ? (c >= '0' && c <= '9') : c == kShape[i];
    if (!fits) return "malformed HTTP version in the request line";
  }
  return {};
}

}  // namespace

std::string check_request_prefix(std::string_view received) {
  if (received.empty()) return {};
  if (static_cast<unsigned char>(received[0]) == kTlsHandshakeRecord) {
    return "TLS handshake on a plain HTTP port";
  }
  std::size_t line_end = received.find("\r\n");
  std::string_view line = received.substr(0, line_end);
  std::size_t i = 0;
  while (i < line.size() && is_tchar(static_cast<unsigned char>(line[i]))) ++i;
  if (i < line.size() || line_end != std::string_view::npos) {
    if (i == 0) return "malformed request method";
    if (i == line.size() || line[i] != ' ') return "malformed request method";
    std::size_t target_start = ++i;
    while (i < line.size() && is_target_char(static_cast<unsigned char>(line[i]))) ++i;
    if (i < line.size() || line_end != std::string_view::npos) {
      if (i == target_start) return "empty request target";
      if (i == line.size() || line[i] != ' ') return "invalid byte in the request target";
      if (std::string problem = check_version(received.substr(i + 1)); !problem.empty()) {
        return problem;
      }
    }
  }
  return check_line_ends(received);
}

std::size_t leading_empty_lines(std::string_view received) {
  std::size_t skipped = 0;
  while (received.substr(skipped, 2) == "\r\n") skipped += 2;
  return skipped;
}

}  // namespace switchyard
