#include <doctest/doctest.h>

#include <string>

#include "gateway/http/request_line_guard.hpp"

using namespace switchyard;

TEST_SUITE("request line guard") {
  TEST_CASE("a well-formed request passes at every prefix length") {
    const std::string request = "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: a\r\n\r\n";
    for (std::size_t n = 0; n <= request.size(); ++n) {
      INFO("prefix " << n);
      CHECK(check_request_prefix(std::string_view(request).substr(0, n)).empty());
    }
  }

  TEST_CASE("absolute-form targets pass") {
    CHECK(check_request_prefix("POST http://host:8080/v1/chat/completions HTTP/1.1\r\n").empty());
  }

  TEST_CASE("a TLS handshake on the plain port is refused at its first byte") {
    CHECK(check_request_prefix("\x16\x03\x01") == "TLS handshake on a plain HTTP port");
  }

  TEST_CASE("bare LF line ends are refused as soon as they arrive") {
    CHECK_FALSE(check_request_prefix("GET / HTTP/1.1\n").empty());
    CHECK_FALSE(check_request_prefix("GET / HTTP/1.1\r\nHost: a\n").empty());
    CHECK_FALSE(check_request_prefix("GET / HTTP/1.1\r\nHost: a\rX").empty());
    CHECK(check_request_prefix("GET / HTTP/1.1\r\nHost: a\r").empty());  // LF may follow
  }

  TEST_CASE("raw non-ASCII and control bytes in the target are refused") {
    CHECK(check_request_prefix("GET /\xce\xb4") == "invalid byte in the request target");
    CHECK(check_request_prefix("GET /a\x01 HTTP/1.1\r\n") == "invalid byte in the request target");
    CHECK_FALSE(check_request_prefix("GET /a\tb HTTP/1.1\r\n").empty());
  }

  TEST_CASE("a method that is not a token, or a bad version, is refused") {
    CHECK_FALSE(check_request_prefix("GE(T / HTTP/1.1\r\n").empty());
    CHECK_FALSE(check_request_prefix(" GET / HTTP/1.1\r\n").empty());
    CHECK_FALSE(check_request_prefix("GET  / HTTP/1.1\r\n").empty());
    CHECK_FALSE(check_request_prefix("GET / HTTP/1.1 \r\n").empty());
    CHECK_FALSE(check_request_prefix("GET / HTTPS/1.1\r\n").empty());
    CHECK_FALSE(check_request_prefix("GET / HTTP/11\r\n").empty());
    CHECK_FALSE(check_request_prefix("GET /\r\n").empty());
    CHECK(check_request_prefix("GET / HTT").empty());
  }

  TEST_CASE("leading empty lines are counted, a lone CR waits") {
    CHECK(leading_empty_lines("\r\n\r\nGET") == 4);
    CHECK(leading_empty_lines("\r\nGET") == 2);
    CHECK(leading_empty_lines("\r") == 0);
    CHECK(leading_empty_lines("GET") == 0);
    CHECK(leading_empty_lines("\n") == 0);  // a bare LF is not an empty line here
  }
}
