// The client side of the edge: header block scan, raw header checks, Beast's
// request parser and the framing guard, driven as the session drives them
// (header block first, then the body) with the bytes in arbitrary pieces and
// several requests on one connection. Invariants: an accepted request fits
// the limits, passes the framing guard, and our re-serialisation of it parses
// back to the same request.
#include <cstdio>
#include <optional>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "config/config.hpp"
#include "gateway/http/http_guard.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "tests/fuzz/piece_stream.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using switchyard::fuzz::PieceStream;
using Request = http::request<http::string_body>;

const switchyard::config::Limits kLimits{};
constexpr std::size_t kBodyReadRoom = 64 * 1024;  // as the session sizes its buffer
constexpr std::string_view kHeaderEnd = "\r\n\r\n";

// Session::read_header_block: until the blank line, within max_header_bytes.
bool read_header_block(PieceStream& stream, beast::flat_buffer& buffer, std::size_t& block_end) {
  for (;;) {
    std::string_view data(static_cast<const char*>(buffer.data().data()), buffer.size());
    if (auto end = data.find(kHeaderEnd); end != std::string_view::npos) {
      block_end = end + kHeaderEnd.size();
      return true;
    }
    if (data.size() >= kLimits.max_header_bytes) return false;  // 431
    std::size_t room = std::min<std::size_t>(4096, kLimits.max_header_bytes + 4 - data.size());
    boost::system::error_code ec;
    std::size_t bytes = stream.read_some(buffer.prepare(room), ec);
    if (ec || bytes == 0) return false;
    buffer.commit(bytes);
  }
}

// By hand rather than with Beast's serializer, which in 1.81 writes an empty
// chunked body as two last chunks; the gateway writes its own framing too.
std::string serialise(const Request& request, bool chunked) {
  std::string out;
  out.append(request.method_string()).append(" ").append(request.target());
  out.append(" HTTP/").append(std::to_string(request.version() / 10)).append(".");
  out.append(std::to_string(request.version() % 10)).append("\r\n");
  for (const auto& field : request) {
    out.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
  }
  out.append("\r\n");
  const std::string& body = request.body();
  if (!chunked) return out.append(body);
  if (!body.empty()) {
    char size_line[24];
    int length = std::snprintf(size_line, sizeof(size_line), "%zx\r\n", body.size());
    out.append(size_line, static_cast<std::size_t>(length)).append(body).append("\r\n");
  }
  return out.append("0\r\n\r\n");
}

// Our own serialisation of an accepted request must parse back to it.
// `chunked` is the parser's reading: Beast's message.chunked() looks at the
// first Transfer-Encoding field only.
void check_round_trip(const Request& request, bool chunked) {
  std::string text = serialise(request, chunked);
  std::string_view head(text.data(), text.find(kHeaderEnd) + kHeaderEnd.size());
  SWITCHYARD_FUZZ_CHECK(switchyard::check_raw_header_block(head).empty());
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(kLimits.max_header_bytes + 4 + 64));
  parser.body_limit(kLimits.max_body_bytes);
  parser.eager(true);
  boost::system::error_code ec;
  std::size_t used = parser.put(boost::asio::buffer(text), ec);
  if (ec || used != text.size()) {
    std::fprintf(stderr, "re-serialised request did not parse back (%s, %zu of %zu bytes):\n%s\n",
                 ec.message().c_str(), used, text.size(), text.c_str());
  }
  SWITCHYARD_FUZZ_CHECK(!ec);
  SWITCHYARD_FUZZ_CHECK(parser.is_done());
  SWITCHYARD_FUZZ_CHECK(used == text.size());
  const Request& again = parser.get();
  SWITCHYARD_FUZZ_CHECK(switchyard::check_request_framing(again).empty());
  SWITCHYARD_FUZZ_CHECK(again.method_string() == request.method_string());
  SWITCHYARD_FUZZ_CHECK(again.target() == request.target());
  SWITCHYARD_FUZZ_CHECK(again.version() == request.version());
  SWITCHYARD_FUZZ_CHECK(again.body() == request.body());
  auto a = request.begin();
  auto b = again.begin();
  for (; a != request.end() && b != again.end(); ++a, ++b) {
    SWITCHYARD_FUZZ_CHECK(a->name_string() == b->name_string());
    SWITCHYARD_FUZZ_CHECK(a->value() == b->value());
  }
  SWITCHYARD_FUZZ_CHECK(a == request.end() && b == again.end());
}

// Session::serve_one without the socket: false when the connection closes.
bool serve_one(PieceStream& stream, beast::flat_buffer& buffer) {
  std::size_t block_end = 0;
  if (!read_header_block(stream, buffer, block_end)) return false;
  std::string_view block(static_cast<const char*>(buffer.data().data()), block_end);
  if (!switchyard::check_raw_header_block(block).empty()) return false;

  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(kLimits.max_header_bytes + 4));
  parser.body_limit(kLimits.max_body_bytes);
  boost::system::error_code ec;
  http::read_header(stream, buffer, parser, ec);
  if (ec) return false;
  if (!switchyard::check_request_framing(parser.get()).empty()) return false;
  if (auto length = parser.content_length(); length && *length > kLimits.max_body_bytes) {
    return false;
  }
  std::optional<http::fields> header_section;
  if (parser.chunked()) header_section.emplace(parser.get());
  if (!parser.is_done()) {
    http::read(stream, buffer, parser, ec);
    if (ec) return false;
  }
  SWITCHYARD_FUZZ_CHECK(parser.is_done());
  SWITCHYARD_FUZZ_CHECK(buffer.size() <= kLimits.max_header_bytes + kBodyReadRoom);
  bool chunked = parser.chunked();
  Request request = parser.release();
  if (header_section) switchyard::restore_header_section(request, std::move(*header_section));
  SWITCHYARD_FUZZ_CHECK(request.body().size() <= kLimits.max_body_bytes);
  check_round_trip(request, chunked);
  return request.keep_alive();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string_view data = switchyard::fuzz::as_text(bytes, size);
  PieceStream stream(switchyard::fuzz::split(data, switchyard::fuzz::input_hash(data)));
  beast::flat_buffer buffer;
  buffer.max_size(kLimits.max_header_bytes + kBodyReadRoom);
  // Pipelined requests on one kept-alive connection, as Session::run loops.
  for (int request = 0; request < 16; ++request) {
    if (buffer.size() == 0 && stream.exhausted()) break;
    if (!serve_one(stream, buffer)) break;
  }
  return 0;
}
