// The one rule for giving a connection back to the pool, on reader states.
#include <doctest/doctest.h>

#include <string>

#include "providers/upstream/reuse_rule.hpp"

using namespace switchyard::providers;

namespace {

bool reusable_after(std::string_view wire, bool peer_closed = false) {
  ResponseReader reader;
  std::string body;
  reader.feed(wire, body);
  if (peer_closed) reader.finish();
  return may_reuse(reader);
}

}  // namespace

TEST_CASE("reuse rule: only a cleanly framed keep-alive response with nothing after it") {
  CHECK(reusable_after("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
  CHECK(
      reusable_after("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  CHECK(reusable_after("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n"));

  // Not yet read to its end: the rest would reach the next user.
  CHECK_FALSE(reusable_after("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok"));
  CHECK_FALSE(reusable_after("HTTP/1.1 100 Continue\r\n\r\n"));
  // One byte too many.
  CHECK_FALSE(reusable_after("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok!"));
  CHECK_FALSE(
      reusable_after("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 "
                     "OK\r\nContent-Length: 0\r\n\r\n"));
  // The server will close, or already did.
  CHECK_FALSE(
      reusable_after("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"));
  CHECK_FALSE(reusable_after("HTTP/1.1 200 OK\r\n\r\nuntil close", true));
  CHECK_FALSE(reusable_after("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"));
  // Broken framing.
  CHECK_FALSE(
      reusable_after("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\na\r\n0\r\n\r\n"));
  CHECK_FALSE(reusable_after("HTTP/1.1 101 Switching Protocols\r\n\r\n"));
  CHECK_FALSE(reusable_after("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok", true));
}
