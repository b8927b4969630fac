// The upstream response parser as the upstream client drives it: Beast's
// response parser reads the head, then the body is fed piece by piece into a
// fixed scratch buffer (UpstreamConnection::parse_buffered and
// read_body_some, without the socket), with end of stream ending a
// close-delimited body. Invariants: the outcome (status, body bytes, whether
// the response was complete or too large) does not depend on how the bytes
// were split, and a buffered body never outgrows its cap.
#include <memory>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "providers/upstream/pool.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "tests/fuzz/piece_stream.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using switchyard::fuzz::PieceStream;
using switchyard::providers::ResponseParser;

constexpr std::size_t kReadChunk = 16 * 1024;  // as the upstream client reads
constexpr std::size_t kBodyCap = 256 * 1024;   // a small max_upstream_body_bytes

struct Outcome {
  bool head_ok = false;
  int status = 0;
  bool complete = false;  // the body was framed to its end
  bool too_large = false;
  std::string body;
};

bool operator==(const Outcome& a, const Outcome& b) {
  return a.head_ok == b.head_ok && a.status == b.status && a.complete == b.complete &&
         a.too_large == b.too_large && a.body == b.body;
}

class Reader {
 public:
  explicit Reader(std::vector<std::string_view> pieces) : stream_(std::move(pieces)) {}

  Outcome read(bool streamed) {
    Outcome out;
    ResponseParser parser;
    parser.body_limit(streamed ? std::numeric_limits<std::uint64_t>::max() : kBodyCap);
    error_code ec;
    http::read_header(stream_, buffer_, parser, ec);
    if (ec) return out;
    out.head_ok = true;
    out.status = parser.get().result_int();
    // A stream is taken in slices, as the relay does; a buffered body whole.
    std::size_t slice = streamed ? 64 * 1024 : kBodyCap;
    while (!parser.is_done()) {
      std::string piece;
      ec = read_body_some(parser, piece, slice);
      out.body += piece;
      if (ec) {
        out.too_large = ec == http::error::body_limit;
        return out;
      }
    }
    out.complete = true;
    SWITCHYARD_FUZZ_CHECK(streamed || out.body.size() <= kBodyCap);
    return out;
  }

 private:
  // UpstreamConnection::parse_buffered.
  error_code parse_buffered(ResponseParser& parser, std::string& out, std::size_t max_bytes) {
    error_code ec;
    while (buffer_.size() > 0 && !parser.is_done()) {
      std::size_t room = std::min(kReadChunk, max_bytes > out.size() ? max_bytes - out.size() : 0);
      if (room == 0) return http::error::body_limit;
      auto& body = parser.get().body();
      body.data = scratch_.get();
      body.size = room;
      body.more = true;
      std::size_t used = parser.put(buffer_.data(), ec);
      buffer_.consume(used);
      out.append(scratch_.get(), room - body.size);
      if (ec == http::error::need_buffer) ec = {};
      if (ec == http::error::need_more) return {};
      if (ec) return ec;
      if (used == 0 && body.size == room) break;
    }
    return ec;
  }

  // UpstreamConnection::read_body_some.
  error_code read_body_some(ResponseParser& parser, std::string& out, std::size_t max_bytes) {
    std::size_t before = out.size();
    for (;;) {
      if (error_code ec = parse_buffered(parser, out, max_bytes)) return ec;
      if (parser.is_done() || out.size() > before) return {};
      error_code ec;
      std::size_t bytes = stream_.read_some(buffer_.prepare(kReadChunk), ec);
      buffer_.commit(bytes);
      if (ec == boost::asio::error::eof) {
        error_code eof_ec;
        parser.put_eof(eof_ec);
        return parser.is_done() ? eof_ec : http::error::partial_message;
      }
      if (ec) return ec;
    }
  }

  PieceStream stream_;
  beast::flat_buffer buffer_;
  std::unique_ptr<char[]> scratch_ = std::make_unique<char[]>(kReadChunk);
};

std::vector<std::string_view> bytes_one_by_one(std::string_view data) {
  std::vector<std::string_view> pieces;
  for (std::size_t i = 0; i < data.size(); ++i) pieces.push_back(data.substr(i, 1));
  return pieces;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string_view data = switchyard::fuzz::as_text(bytes, size);
  std::uint64_t seed = switchyard::fuzz::input_hash(data);
  for (bool streamed : {false, true}) {
    Outcome whole = Reader({data}).read(streamed);
    SWITCHYARD_FUZZ_CHECK(whole == Reader(switchyard::fuzz::split(data, seed)).read(streamed));
    if (size <= 2048) SWITCHYARD_FUZZ_CHECK(whole == Reader(bytes_one_by_one(data)).read(streamed));
  }
  return 0;
}
