#include "gateway/http/chunked_guard.hpp"

namespace switchyard {

namespace {
int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
// 15 hex digits stay below 2^60: no overflow, and far above any body limit.
constexpr int kMaxSizeDigits = 15;
}  // namespace

std::string ChunkedGuard::feed(std::string_view bytes) {
  if (state_ == State::failed) return reason_;
  for (std::size_t i = 0; i < bytes.size() && state_ != State::done; ++i) {
    if (state_ == State::data) {
      // Skip the data run in one step.
      std::uint64_t take = std::min<std::uint64_t>(remaining_, bytes.size() - i);
      remaining_ -= take;
      i += take - 1;
      if (remaining_ == 0) state_ = State::data_cr;
      continue;
    }
    if (std::string problem = step(static_cast<unsigned char>(bytes[i])); !problem.empty()) {
      state_ = State::failed;
      reason_ = std::move(problem);
      return reason_;
    }
  }
  return {};
}

std::string ChunkedGuard::step(unsigned char c) {
  switch (state_) {
    case State::size:
      if (int digit = hex_value(c); digit >= 0) {
        if (++size_digits_ > kMaxSizeDigits) return "chunk size too long";
        remaining_ = remaining_ * 16 + static_cast<std::uint64_t>(digit);
        return {};
      }
      if (size_digits_ == 0) return "chunk size must be hexadecimal";
      if (c == '\r') {
        state_ = State::size_lf;
        return {};
      }
      if (c != ';' && c != ' ' && c != '\t') return "malformed chunk size line";
      state_ = State::size_tail;
      return {};
    case State::size_tail:
      if (c == '\r') {
        state_ = State::size_lf;
        return {};
      }
      if (c == '\n') return "chunk size line must end with CRLF";
      if (c < 0x20 && c != '\t') return "control byte in a chunk extension";
      return {};
    case State::size_lf:
      if (c != '\n') return "chunk size line must end with CRLF";
      size_digits_ = 0;
      state_ = remaining_ == 0 ? State::trailer_start : State::data;
      return {};
    case State::data_cr:
      if (c != '\r') return "chunk data must be followed by CRLF";
      state_ = State::data_lf;
      return {};
    case State::data_lf:
      if (c != '\n') return "chunk data must be followed by CRLF";
      state_ = State::size;
      return {};
    case State::trailer_start:
      if (c == '\r') {
        state_ = State::final_lf;
        return {};
      }
      if (c == '\n') return "trailer lines must end with CRLF";
      state_ = State::trailer_line;
      return {};
    case State::trailer_line:
      if (c == '\r') state_ = State::trailer_lf;
      if (c == '\n') return "trailer lines must end with CRLF";
      return {};
    case State::trailer_lf:
      if (c != '\n') return "trailer lines must end with CRLF";
      state_ = State::trailer_start;
      return {};
    case State::final_lf:
      if (c != '\n') return "the chunked body must end with CRLF";
      state_ = State::done;
      return {};
    case State::data:
    case State::done:
    case State::failed:
      return {};
  }
  return {};
}

}  // namespace switchyard
