#include <doctest/doctest.h>

#include <string>

#include "gateway/http/chunked_guard.hpp"

using namespace switchyard;

namespace {
// Feeds `body` whole and then byte by byte; both must give the same verdict.
std::string verdict(std::string_view body, bool* done = nullptr) {
  ChunkedGuard whole;
  std::string first = whole.feed(body);
  ChunkedGuard bytewise;
  std::string second;
  for (char c : body) {
    second = bytewise.feed(std::string_view(&c, 1));
    if (!second.empty()) break;
  }
  CHECK(first == second);
  CHECK(whole.done() == bytewise.done());
  if (done) *done = whole.done();
  return first;
}
}  // namespace

TEST_SUITE("chunked guard") {
  TEST_CASE("well-formed bodies pass and end") {
    bool done = false;
    CHECK(verdict("5\r\nABCDE\r\n0\r\n\r\n", &done).empty());
    CHECK(done);
    CHECK(verdict("a;ext=1\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n", &done).empty());
    CHECK(done);
    CHECK(verdict("5\r\nABC", &done).empty());  // incomplete, fine so far
    CHECK_FALSE(done);
  }

  TEST_CASE("bytes after the end are not looked at (a pipelined request)") {
    bool done = false;
    CHECK(verdict("0\r\n\r\nGET / HTTP/1.1\n", &done).empty());
    CHECK(done);
  }

  TEST_CASE("chunk data not followed by CRLF fails at once") {
    CHECK(verdict("5\r\nABCDE0\r\n") == "chunk data must be followed by CRLF");
    CHECK(verdict("5\r\nABCDE\rX") == "chunk data must be followed by CRLF");
  }

  TEST_CASE("bare LF anywhere in the framing fails") {
    CHECK_FALSE(verdict("5\nABCDE\r\n").empty());
    CHECK_FALSE(verdict("5\r\nABCDE\n").empty());
    CHECK_FALSE(verdict("5;x\nABCDE").empty());
    CHECK_FALSE(verdict("0\r\nTrailer: x\n").empty());
    CHECK_FALSE(verdict("0\r\n\n").empty());
  }

  TEST_CASE("sizes that are not hexadecimal or too long fail") {
    CHECK_FALSE(verdict("x\r\n").empty());
    CHECK_FALSE(verdict("-1\r\n").empty());
    CHECK_FALSE(verdict("1111111111111111\r\n").empty());
    CHECK_FALSE(verdict("5\x01\r\n").empty());
  }

  TEST_CASE("a failed guard stays failed") {
    ChunkedGuard guard;
    CHECK_FALSE(guard.feed("z").empty());
    CHECK_FALSE(guard.feed("0\r\n\r\n").empty());
    CHECK_FALSE(guard.done());
  }
}
