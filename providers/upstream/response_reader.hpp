#pragma once
// A socket-free HTTP/1.1 response reader (RFC 9112): fed the bytes of one
// exchange as they arrive, it yields the final status and headers, then the
// body bytes. Interim 1xx responses (100, 103) are read and skipped; 101 is a
// protocol error (we never ask to switch). Framing: Content-Length, chunked
// (strict CRLF, a bounded chunk-size line with extensions, trailers skipped)
// or delimited by the connection closing; 204, 304 and answers to HEAD have
// no body. It reports whether the exchange ended cleanly and whether any byte
// beyond the response was read: the two facts the pool needs before a
// connection may carry another request.
//
// No I/O and no allocation per byte: input is scanned with memchr, body bytes
// are appended to the caller's string in runs.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchyard::providers {

enum class ReaderError {
  none,
  bad_status_line,
  bad_header,
  head_too_large,
  bad_content_length,
  bad_transfer_encoding,
  switching_protocols,  // 101: we never asked to switch
  too_many_interim,     // a flood of 1xx
  bad_chunk,
  chunk_line_too_long,
  closed_before_response,  // the peer closed before the first byte
  truncated,               // the peer closed inside the head or a framed body
};

std::string_view to_string(ReaderError error);

enum class Framing { none, content_length, chunked, until_close };

struct ResponseHead {
  int status = 0;
  int minor_version = 1;  // HTTP/1.<minor>
  bool keep_alive = true;
  Framing framing = Framing::none;
  std::uint64_t content_length = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased

  // The first value of a header (name in lower case), "" when absent.
  std::string_view header(std::string_view lower_name) const;
};

struct ReaderLimits {
  std::size_t max_head_bytes = 64 * 1024;   // status line + headers (+ trailers)
  std::size_t max_chunk_line_bytes = 1024;  // chunk size + extensions
  int max_interim_responses = 16;
};

class ResponseReader {
 public:
  enum class Status { need_more, complete, error };

  ResponseReader() : ResponseReader(ReaderLimits{}) {}
  explicit ResponseReader(ReaderLimits limits);

  // Starts a new exchange. `head_request`: the answer has no body whatever
  // its headers say.
  void reset(bool head_request = false);

  // Consumes all of `bytes`. Body bytes are appended to `body`. Bytes after
  // the end of the response are not part of it: they are counted in
  // extra_bytes() (and are a reason never to reuse the connection).
  Status feed(std::span<const char> bytes, std::string& body);
  Status feed(std::string_view bytes, std::string& body) {
    return feed(std::span<const char>(bytes.data(), bytes.size()), body);
  }
  // The peer closed its side: ends a close-delimited body; anything else
  // unfinished is an error.
  Status finish();

  Status status() const { return status_; }
  // The final (non-1xx) head has been read in full and accepted.
  bool head_ready() const { return head_ready_; }
  const ResponseHead& head() const { return head_; }
  ReaderError error() const { return error_; }
  // Framing complete with no error. A close-delimited body ends cleanly too,
  // but its connection is gone (head().keep_alive is false then).
  bool ended_cleanly() const { return status_ == Status::complete; }
  std::uint64_t extra_bytes() const { return extra_bytes_; }
  // Any byte at all was received for this exchange.
  bool any_byte() const { return any_byte_; }
  int interim_responses() const { return interim_; }

 private:
  enum class State {
    status_line,
    headers,
    body_length,
    chunk_size,
    chunk_data,
    chunk_data_end,
    trailers,
    until_close,
    done,
    failed,
  };

  std::size_t step(std::string_view input, std::string& body);
  std::size_t take_line(std::string_view input, std::size_t limit, bool& have_line);
  void on_status_line(std::string_view line);
  void on_header_line(std::string_view line);
  void on_header_field(std::string_view name, std::string_view value);
  void on_head_end();
  void on_chunk_size_line(std::string_view line);
  void on_trailer_line(std::string_view line);
  void fail(ReaderError error);
  void complete();

  ReaderLimits limits_;
  bool head_request_ = false;
  State state_ = State::status_line;
  Status status_ = Status::need_more;
  ReaderError error_ = ReaderError::none;
  ResponseHead head_;
  std::string line_;  // a line split across feeds
  std::size_t head_bytes_ = 0;
  std::uint64_t remaining_ = 0;  // body or chunk bytes still due
  std::uint64_t extra_bytes_ = 0;
  bool any_byte_ = false;
  bool head_ready_ = false;
  bool saw_content_length_ = false;
  bool saw_transfer_encoding_ = false;
  bool chunked_last_ = false;
  int interim_ = 0;
};

}  // namespace switchyard::providers
