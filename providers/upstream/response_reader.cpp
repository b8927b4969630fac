#include "providers/upstream/response_reader.hpp"

#include <algorithm>
#include <cstring>

namespace switchyard::providers {

namespace {

constexpr std::uint64_t kMaxBodyLength = std::uint64_t{1} << 62;

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// RFC 9110 token characters, the only ones allowed in a field name.
bool is_token_char(char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (is_digit(c)) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Calls `each` with every non-empty, trimmed element of a comma list.
template <class Each>
void for_each_element(std::string_view list, Each each) {
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view element = trim(list.substr(0, comma));
    if (!element.empty()) each(element);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

bool parse_decimal(std::string_view text, std::uint64_t& out) {
  if (text.empty() || text.size() > 18) return false;
  std::uint64_t value = 0;
  for (char c : text) {
    if (!is_digit(c)) return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = value;
  return true;
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Field values may hold visible characters, spaces, tabs and obs-text; any
// other control character (a bare CR above all) is refused.
bool valid_field_value(std::string_view value) {
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

}  // namespace

std::string_view to_string(ReaderError error) {
  switch (error) {
    case ReaderError::none:
      return "none";
    case ReaderError::bad_status_line:
      return "malformed status line";
    case ReaderError::bad_header:
      return "malformed header";
    case ReaderError::head_too_large:
      return "response head too large";
    case ReaderError::bad_content_length:
      return "invalid Content-Length";
    case ReaderError::bad_transfer_encoding:
      return "invalid Transfer-Encoding";
    case ReaderError::switching_protocols:
      return "unrequested protocol switch (101)";
    case ReaderError::too_many_interim:
      return "too many interim responses";
    case ReaderError::bad_chunk:
      return "malformed chunked framing";
    case ReaderError::chunk_line_too_long:
      return "chunk size line too long";
    case ReaderError::closed_before_response:
      return "connection closed before a response";
    case ReaderError::truncated:
      return "response cut short";
  }
  return "unknown";
}

std::string_view ResponseHead::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return {};
}

ResponseReader::ResponseReader(ReaderLimits limits) : limits_(limits) {
  line_.reserve(256);
}

void ResponseReader::reset(bool head_request) {
  head_request_ = head_request;
  state_ = State::status_line;
  status_ = Status::need_more;
  error_ = ReaderError::none;
  head_ = ResponseHead{};
  line_.clear();
  head_bytes_ = 0;
  remaining_ = 0;
  extra_bytes_ = 0;
  any_byte_ = false;
  head_ready_ = false;
  saw_content_length_ = false;
  saw_transfer_encoding_ = false;
  chunked_last_ = false;
  interim_ = 0;
}

void ResponseReader::fail(ReaderError error) {
  state_ = State::failed;
  status_ = Status::error;
  error_ = error;
}

void ResponseReader::complete() {
  state_ = State::done;
  status_ = Status::complete;
}

ResponseReader::Status ResponseReader::feed(std::span<const char> bytes, std::string& body) {
  std::string_view input(bytes.data(), bytes.size());
  if (!input.empty()) any_byte_ = true;
  while (!input.empty()) {
    if (state_ == State::done) {
      // Whatever follows a complete response answers no request of ours.
      extra_bytes_ += input.size();
      break;
    }
    if (state_ == State::failed) break;
    input.remove_prefix(step(input, body));
  }
  return status_;
}

ResponseReader::Status ResponseReader::finish() {
  switch (state_) {
    case State::until_close:
      head_.keep_alive = false;
      complete();
      break;
    case State::status_line:
      fail(any_byte_ ? ReaderError::truncated : ReaderError::closed_before_response);
      break;
    case State::done:
    case State::failed:
      break;
    default:
      fail(ReaderError::truncated);
      break;
  }
  return status_;
}

// Finds the end of a CRLF line. When `have_line` comes back true the line
// (without CRLF) is in line_ or, when it did not span feeds, starts the input:
// callers read it through current_line below. Bare LF ends nothing: it is an
// error, not a line.
std::size_t ResponseReader::take_line(std::string_view input, std::size_t limit, bool& have_line) {
  have_line = false;
  const void* found = std::memchr(input.data(), '\n', input.size());
  std::size_t take = found ? static_cast<const char*>(found) - input.data() + 1 : input.size();
  if (line_.size() + take > limit) {
    fail(state_ == State::chunk_size ? ReaderError::chunk_line_too_long
                                     : ReaderError::head_too_large);
    return input.size();
  }
  line_.append(input.data(), take);
  if (!found) return take;
  if (line_.size() < 2 || line_[line_.size() - 2] != '\r') {
    fail(state_ == State::chunk_size || state_ == State::chunk_data_end ? ReaderError::bad_chunk
                                                                        : ReaderError::bad_header);
    return input.size();
  }
  line_.resize(line_.size() - 2);
  have_line = true;
  return take;
}

std::size_t ResponseReader::step(std::string_view input, std::string& body) {
  bool have_line = false;
  switch (state_) {
    case State::status_line:
    case State::headers:
    case State::trailers: {
      std::size_t room = limits_.max_head_bytes - std::min(limits_.max_head_bytes, head_bytes_);
      std::size_t used = take_line(input, room + line_.size(), have_line);
      head_bytes_ += used;
      if (!have_line) return used;
      if (state_ == State::status_line) {
        on_status_line(line_);
      } else if (state_ == State::headers) {
        on_header_line(line_);
      } else {
        on_trailer_line(line_);
      }
      line_.clear();
      return used;
    }
    case State::body_length:
    case State::chunk_data: {
      std::size_t take =
          static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input.size()));
      body.append(input.data(), take);
      remaining_ -= take;
      if (remaining_ == 0) {
        if (state_ == State::body_length) {
          complete();
        } else {
          state_ = State::chunk_data_end;
          remaining_ = 2;
        }
      }
      return take;
    }
    case State::chunk_data_end: {
      // Exactly CRLF after the chunk's data, nothing else.
      const char expected = remaining_ == 2 ? '\r' : '\n';
      if (input.front() != expected) {
        fail(ReaderError::bad_chunk);
        return input.size();
      }
      if (--remaining_ == 0) state_ = State::chunk_size;
      return 1;
    }
    case State::chunk_size: {
      std::size_t used = take_line(input, limits_.max_chunk_line_bytes, have_line);
      if (!have_line) return used;
      on_chunk_size_line(line_);
      line_.clear();
      return used;
    }
    case State::until_close:
      body.append(input.data(), input.size());
      return input.size();
    case State::done:
    case State::failed:
      return input.size();
  }
  return input.size();
}

void ResponseReader::on_status_line(std::string_view line) {
  // "HTTP/1.1 200 OK": version, one space, three digits, then a space and a
  // reason (possibly empty) or nothing at all.
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || !is_digit(line[7]) || line[8] != ' ' ||
      !is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11]) ||
      (line.size() > 12 && line[12] != ' ') || !valid_field_value(line.substr(12))) {
    fail(ReaderError::bad_status_line);
    return;
  }
  head_.minor_version = line[7] - '0';
  head_.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (head_.status < 100 || head_.status > 599) {
    fail(ReaderError::bad_status_line);
    return;
  }
  head_.keep_alive = head_.minor_version >= 1;
  state_ = State::headers;
}

void ResponseReader::on_header_line(std::string_view line) {
  if (line.empty()) {
    on_head_end();
    return;
  }
  // Obsolete line folding and whitespace before the colon are refused (RFC
  // 9112 §5.1, §5.2): both have been used to make two parsers disagree.
  std::size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) {
    fail(ReaderError::bad_header);
    return;
  }
  std::string_view name = line.substr(0, colon);
  for (char c : name) {
    if (!is_token_char(c)) {
      fail(ReaderError::bad_header);
      return;
    }
  }
  std::string_view value = trim(line.substr(colon + 1));
  if (!valid_field_value(value)) {
    fail(ReaderError::bad_header);
    return;
  }
  on_header_field(name, value);
}

void ResponseReader::on_header_field(std::string_view name, std::string_view value) {
  if (iequals(name, "content-length")) {
    // "5" or a list of identical values ("5, 5"); anything else is ambiguous.
    bool ok = true;
    for_each_element(value, [&](std::string_view element) {
      std::uint64_t length = 0;
      if (!parse_decimal(element, length) || length > kMaxBodyLength ||
          (saw_content_length_ && length != head_.content_length)) {
        ok = false;
      }
      head_.content_length = length;
      saw_content_length_ = true;
    });
    if (!ok || !saw_content_length_) return fail(ReaderError::bad_content_length);
  } else if (iequals(name, "transfer-encoding")) {
    bool ok = true;
    for_each_element(value, [&](std::string_view coding) {
      // chunked must be the last coding, and appear once.
      if (chunked_last_) ok = false;
      chunked_last_ = iequals(coding, "chunked");
    });
    saw_transfer_encoding_ = true;
    if (!ok) return fail(ReaderError::bad_transfer_encoding);
  } else if (iequals(name, "connection")) {
    for_each_element(value, [&](std::string_view option) {
      if (iequals(option, "close")) head_.keep_alive = false;
      if (iequals(option, "keep-alive") && head_.minor_version == 0) head_.keep_alive = true;
    });
  }
  std::string lowered(name);
  for (char& c : lowered) c = lower(c);
  head_.headers.emplace_back(std::move(lowered), std::string(value));
}

void ResponseReader::on_head_end() {
  const int status = head_.status;
  if (status < 200) {
    if (status == 101) return fail(ReaderError::switching_protocols);
    // An interim response (100 Continue, 103 Early Hints): the final one
    // follows on the same connection; skip it whole (RFC 9110 §15.2).
    if (++interim_ > limits_.max_interim_responses) return fail(ReaderError::too_many_interim);
    int interim = interim_;
    head_ = ResponseHead{};
    saw_content_length_ = saw_transfer_encoding_ = chunked_last_ = false;
    interim_ = interim;
    state_ = State::status_line;
    return;
  }
  if (saw_transfer_encoding_ && saw_content_length_) {
    // Both framings at once: a smuggling classic. Refuse rather than guess.
    return fail(ReaderError::bad_transfer_encoding);
  }
  head_ready_ = true;
  if (head_request_ || status == 204 || status == 304) {
    head_.framing = Framing::none;
    return complete();
  }
  if (saw_transfer_encoding_ && chunked_last_) {
    head_.framing = Framing::chunked;
    state_ = State::chunk_size;
    return;
  }
  if (saw_content_length_) {
    head_.framing = Framing::content_length;
    remaining_ = head_.content_length;
    if (remaining_ == 0) return complete();
    state_ = State::body_length;
    return;
  }
  // No length: the body runs until the server closes (RFC 9112 §6.3).
  head_.framing = Framing::until_close;
  head_.keep_alive = false;
  state_ = State::until_close;
}

void ResponseReader::on_chunk_size_line(std::string_view line) {
  std::uint64_t size = 0;
  std::size_t digits = 0;
  while (digits < line.size() && hex_value(line[digits]) >= 0) {
    if (digits == 15) return fail(ReaderError::bad_chunk);  // beyond 2^60
    size = size * 16 + static_cast<std::uint64_t>(hex_value(line[digits]));
    ++digits;
  }
  if (digits == 0) return fail(ReaderError::bad_chunk);
  // Only extensions may follow: optional whitespace, then ';'.
  std::string_view rest = line.substr(digits);
  std::string_view extensions = trim(rest);
  if (!extensions.empty() && (extensions.front() != ';' || !valid_field_value(extensions))) {
    return fail(ReaderError::bad_chunk);
  }
  if (size == 0) {
    state_ = State::trailers;
    return;
  }
  remaining_ = size;
  state_ = State::chunk_data;
}

void ResponseReader::on_trailer_line(std::string_view line) {
  if (line.empty()) return complete();
  // Trailers are read and dropped; they are held to the header rules.
  std::size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos || line.front() == ' ' ||
      line.front() == '\t' || !valid_field_value(line)) {
    fail(ReaderError::bad_chunk);
  }
}

}  // namespace switchyard::providers
