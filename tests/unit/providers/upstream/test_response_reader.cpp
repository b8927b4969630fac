// The upstream response reader, fed whole, split at every point and byte by
// byte: the result must never depend on how the bytes arrived.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "providers/upstream/response_reader.hpp"

using namespace switchyard::providers;
using Status = ResponseReader::Status;

namespace {

struct Outcome {
  Status status = Status::need_more;
  ReaderError error = ReaderError::none;
  int final_status = 0;
  int interim = 0;
  bool keep_alive = false;
  bool head_ready = false;
  Framing framing = Framing::none;
  std::string body;
  std::uint64_t extra = 0;

  bool operator==(const Outcome&) const = default;
};

Outcome collect(ResponseReader& reader, std::string& body, bool close_at_end) {
  if (close_at_end) reader.finish();
  Outcome out;
  out.status = reader.status();
  out.error = reader.error();
  out.final_status = reader.head().status;
  out.interim = reader.interim_responses();
  out.keep_alive = reader.head().keep_alive;
  out.head_ready = reader.head_ready();
  out.framing = reader.head().framing;
  out.body = body;
  out.extra = reader.extra_bytes();
  return out;
}

// Feeds `wire` in pieces cut at `cuts` (ascending offsets).
Outcome read_in_pieces(std::string_view wire, const std::vector<std::size_t>& cuts,
                       bool close_at_end, bool head_request = false) {
  ResponseReader reader;
  reader.reset(head_request);
  std::string body;
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    reader.feed(wire.substr(from, cut - from), body);
    from = cut;
  }
  reader.feed(wire.substr(from), body);
  return collect(reader, body, close_at_end);
}

// The outcome of reading `wire` whole, after checking that every split in
// two and a byte-by-byte feed give exactly the same.
Outcome read_every_way(std::string_view wire, bool close_at_end = false,
                       bool head_request = false) {
  Outcome whole = read_in_pieces(wire, {}, close_at_end, head_request);
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    INFO("split at " << cut);
    CHECK(read_in_pieces(wire, {cut}, close_at_end, head_request) == whole);
  }
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < wire.size(); ++i) every.push_back(i);
  CHECK(read_in_pieces(wire, every, close_at_end, head_request) == whole);
  return whole;
}

}  // namespace

TEST_CASE("response reader: Content-Length body, keep-alive, nothing extra") {
  Outcome out = read_every_way(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
      "{\"a\":\"xyz\"}");
  CHECK(out.status == Status::complete);
  CHECK(out.final_status == 200);
  CHECK(out.body == "{\"a\":\"xyz\"}");
  CHECK(out.keep_alive);
  CHECK(out.framing == Framing::content_length);
  CHECK(out.extra == 0);
}

TEST_CASE("response reader: headers are kept lower-cased with trimmed values") {
  ResponseReader reader;
  std::string body;
  reader.feed(std::string_view("HTTP/1.1 429 Too Many\r\nRetry-After:  7 \r\nX-A: b\r\n"
                               "Content-Length: 0\r\n\r\n"),
              body);
  REQUIRE(reader.ended_cleanly());
  CHECK(reader.head().status == 429);
  CHECK(reader.head().header("retry-after") == "7");
  CHECK(reader.head().header("x-a") == "b");
  CHECK(reader.head().header("missing").empty());
}

TEST_CASE("response reader: 100 Continue and 103 Early Hints are skipped") {
  Outcome out = read_every_way(
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  CHECK(out.status == Status::complete);
  CHECK(out.final_status == 200);
  CHECK(out.interim == 2);
  CHECK(out.head_ready);
  CHECK(out.body == "ok");
  CHECK(out.extra == 0);
}

TEST_CASE("response reader: 101 is a protocol error, and a flood of 1xx is bounded") {
  ResponseReader reader;
  std::string body;
  reader.feed(std::string_view("HTTP/1.1 101 Switching Protocols\r\n\r\n"), body);
  CHECK_FALSE(reader.head_ready());  // never taken for the final head
  CHECK(read_every_way("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n").error ==
        ReaderError::switching_protocols);
  std::string flood;
  for (int i = 0; i < 40; ++i) flood += "HTTP/1.1 100 Continue\r\n\r\n";
  CHECK(read_in_pieces(flood, {}, false).error == ReaderError::too_many_interim);
}

TEST_CASE("response reader: chunked with extensions and trailers") {
  Outcome out = read_every_way(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n"
      "1A\r\n abcdefghijklmnopqrstuvwxy\r\n"
      "0\r\nX-Trailer: 1\r\n\r\n");
  CHECK(out.status == Status::complete);
  CHECK(out.framing == Framing::chunked);
  CHECK(out.body == "hello abcdefghijklmnopqrstuvwxy");
  CHECK(out.keep_alive);
  CHECK(out.extra == 0);
}

TEST_CASE("response reader: chunked framing is strict") {
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  CHECK(read_every_way(head + "5\nhello\r\n0\r\n\r\n").error == ReaderError::bad_chunk);
  CHECK(read_every_way(head + "5\r\nhelloX\r\n0\r\n\r\n").error == ReaderError::bad_chunk);
  CHECK(read_every_way(head + "5\r\nhello\n0\r\n\r\n").error == ReaderError::bad_chunk);
  CHECK(read_every_way(head + "zz\r\n").error == ReaderError::bad_chunk);
  CHECK(read_every_way(head + "5 x\r\nhello\r\n").error == ReaderError::bad_chunk);
  CHECK(read_every_way(head + "1000000000000000\r\n").error == ReaderError::bad_chunk);
  std::string long_extension = head + "5;" + std::string(2000, 'e') + "\r\n";
  CHECK(read_in_pieces(long_extension, {}, false).error == ReaderError::chunk_line_too_long);
}

TEST_CASE("response reader: bytes after a complete response are counted, never taken") {
  const std::string first = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  const std::string second = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil";
  Outcome out = read_every_way(first + second);
  CHECK(out.status == Status::complete);
  CHECK(out.body == "ok");
  CHECK(out.extra == second.size());

  // Longer than its Content-Length: the surplus is extra, not body.
  out = read_every_way("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokAY");
  CHECK(out.body == "ok");
  CHECK(out.extra == 2);

  // After a chunked body's last chunk.
  out = read_every_way("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX");
  CHECK(out.status == Status::complete);
  CHECK(out.extra == 1);
}

TEST_CASE("response reader: a close cuts framed bodies short and ends close-delimited ones") {
  Outcome shorter = read_every_way("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true);
  CHECK(shorter.status == Status::error);
  CHECK(shorter.error == ReaderError::truncated);
  CHECK(shorter.body == "abc");

  Outcome chunked =
      read_every_way("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", true);
  CHECK(chunked.error == ReaderError::truncated);

  Outcome until_close = read_every_way("HTTP/1.1 200 OK\r\n\r\nall of it", true);
  CHECK(until_close.status == Status::complete);
  CHECK(until_close.framing == Framing::until_close);
  CHECK_FALSE(until_close.keep_alive);
  CHECK(until_close.body == "all of it");

  Outcome mid_head = read_every_way("HTTP/1.1 200 OK\r\nContent-Le", true);
  CHECK(mid_head.error == ReaderError::truncated);

  ResponseReader nothing;
  nothing.finish();
  CHECK(nothing.error() == ReaderError::closed_before_response);
  CHECK_FALSE(nothing.any_byte());
}

TEST_CASE("response reader: no body for 204, 304 and HEAD; anything after is extra") {
  Outcome no_content = read_every_way("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n");
  CHECK(no_content.status == Status::complete);
  CHECK(no_content.body.empty());
  CHECK(read_every_way("HTTP/1.1 304 Not Modified\r\n\r\nX").extra == 1);
  Outcome head = read_every_way("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", false, true);
  CHECK(head.status == Status::complete);
  CHECK(head.body.empty());
}

TEST_CASE("response reader: keep-alive follows the version and Connection") {
  CHECK_FALSE(read_every_way("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
                  .keep_alive);
  CHECK_FALSE(read_every_way("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keep_alive);
  CHECK(read_every_way("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n")
            .keep_alive);
  CHECK(read_every_way("HTTP/1.1 200 OK\r\nConnection: x, keep-alive\r\nContent-Length: 0\r\n\r\n")
            .keep_alive);
}

TEST_CASE("response reader: ambiguous or malformed heads are refused") {
  CHECK(read_every_way("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc")
            .error == ReaderError::bad_content_length);
  CHECK(read_every_way("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc").status ==
        Status::complete);
  CHECK(read_every_way("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n").error ==
        ReaderError::bad_content_length);
  CHECK(read_every_way("HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n").error ==
        ReaderError::bad_content_length);
  CHECK(read_every_way("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n")
            .error == ReaderError::bad_transfer_encoding);
  CHECK(read_every_way("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n").error ==
        ReaderError::bad_transfer_encoding);
  CHECK(read_every_way("HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n").error ==
        ReaderError::bad_header);
  CHECK(read_every_way("HTTP/1.1 200 OK\r\nX : a\r\n\r\n").error == ReaderError::bad_header);
  CHECK(read_every_way("HTTP/1.1 200 OK\nContent-Length: 0\n\n").error == ReaderError::bad_header);
  CHECK(read_every_way("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n").error == ReaderError::bad_header);
  CHECK(read_every_way("HTTP/2 200\r\n\r\n").error == ReaderError::bad_status_line);
  CHECK(read_every_way("HTTP/1.1 20 OK\r\n\r\n").error == ReaderError::bad_status_line);
  CHECK(read_every_way("HTTP/1.1 700 Odd\r\n\r\n").error == ReaderError::bad_status_line);
  CHECK(read_every_way("SSH-2.0-OpenSSH_9.2\r\n").error == ReaderError::bad_status_line);
  CHECK(read_every_way("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n").status == Status::complete);
}

TEST_CASE("response reader: the head is bounded") {
  ReaderLimits limits;
  limits.max_head_bytes = 256;
  ResponseReader reader(limits);
  std::string body;
  std::string head = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(300, 'a') + "\r\n\r\n";
  CHECK(reader.feed(std::string_view(head), body) == Status::error);
  CHECK(reader.error() == ReaderError::head_too_large);
}

TEST_CASE("response reader: reset starts a fresh exchange") {
  ResponseReader reader;
  std::string body;
  reader.feed(std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naEXTRA"), body);
  CHECK(reader.extra_bytes() == 5);
  reader.reset();
  body.clear();
  CHECK(reader.feed(std::string_view("HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nb"), body) ==
        Status::complete);
  CHECK(reader.head().status == 201);
  CHECK(reader.extra_bytes() == 0);
  CHECK(body == "b");
}
