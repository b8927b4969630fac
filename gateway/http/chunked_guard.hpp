#pragma once
// A strict check of chunked request framing (RFC 9112 section 7.1), fed the
// raw body bytes as they arrive, beside Beast's parser. Beast 1.81 only looks
// at the CRLF after chunk data once more bytes arrive, so `5\r\nABCDE0\r\n`
// waits for the idle timeout there; here it is an error at once, as is a bare
// LF anywhere in the framing. Socket-free, so it is unit-tested byte by byte.
#include <cstdint>
#include <string>
#include <string_view>

namespace switchyard {

class ChunkedGuard {
 public:
  // Feeds the next bytes of the body. Returns an empty string while the
  // framing is valid so far, else the reason (and stays failed). Bytes after
  // the end of the body (a pipelined request) are not looked at.
  std::string feed(std::string_view bytes);
  bool done() const { return state_ == State::done; }

 private:
  enum class State {
    size,           // hex digits of the chunk size
    size_tail,      // whitespace or an extension after the size, up to CR
    size_lf,        // LF after the size line's CR
    data,           // chunk data
    data_cr,        // CR after chunk data
    data_lf,        // LF after chunk data
    trailer_start,  // start of a trailer line (CR here ends the body)
    trailer_line,   // inside a trailer field line
    trailer_lf,     // LF after a trailer line's CR
    final_lf,       // LF after the empty line that ends the body
    done,
    failed,
  };
  std::string step(unsigned char c);

  State state_ = State::size;
  std::uint64_t remaining_ = 0;  // chunk data still to come
  int size_digits_ = 0;
  std::string reason_;
};

}  // namespace switchyard
