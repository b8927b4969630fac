// HTTP/1.1 conformance of the client side (issue 17 items 1-5): HEAD without
// a body, chunk data without CRLF, bare-LF request lines, empty lines before a
// request, raw bytes in the target, 405 and 501, absolute-form targets.
#include <chrono>

#include "tests/integration/stack.hpp"

using namespace itest;

namespace {
using Clock = std::chrono::steady_clock;

// Sends raw bytes and reads until the gateway closes; `elapsed` is the time
// that took. The stack's idle timeout is 5 s, so "at once" means well below.
TestClient::RawRead send_and_wait_close(const Stack& stack, std::string_view bytes,
                                        Clock::duration& elapsed) {
  auto client = stack.client();
  auto start = Clock::now();
  client.send_raw(bytes);
  auto raw = client.read_until_close(8s);
  elapsed = Clock::now() - start;
  return raw;
}
}  // namespace

TEST_SUITE("http conformance") {
  TEST_CASE("HEAD gets the GET's headers and no body, on a kept-alive connection") {
    Stack stack;
    auto client = stack.client();
    auto get = client.get("/healthz");
    client.send_raw(
        "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nHEAD /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    auto raw = client.read_until_close(5s);
    CHECK(raw_statuses(raw.data) == std::vector<int>{200, 404, 200});
    // Two heads without bodies, then the GET's body once.
    auto first_end = raw.data.find("\r\n\r\n");
    REQUIRE(first_end != std::string::npos);
    CHECK(raw.data.compare(first_end + 4, 9, "HTTP/1.1 ") == 0);
    CHECK(raw.data.find("Content-Length: " + std::to_string(get.body.size())) < first_end);
    auto second_end = raw.data.find("\r\n\r\n", first_end + 4);
    REQUIRE(second_end != std::string::npos);
    CHECK(raw.data.compare(second_end + 4, 9, "HTTP/1.1 ") == 0);
    CHECK(raw.data.ends_with(get.body));
  }

  TEST_CASE("chunk data not followed by CRLF is a 400 and a close at once") {
    Stack stack;
    Clock::duration elapsed{};
    auto raw = send_and_wait_close(
        stack,
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nABCDE0\r\n",
        elapsed);
    CHECK(raw.eof);
    CHECK(raw_statuses(raw.data) == std::vector<int>{400});
    CHECK(elapsed < 2s);
    CHECK(stack.upstream.hits() == 0);
  }

  TEST_CASE("bare-LF request lines and chunk lines are a 400 and a close at once") {
    Stack stack;
    for (std::string_view bytes :
         {std::string_view("GET /healthz HTTP/1.1\nHost: x\n\n"),
          std::string_view("GET /healthz HTTP/1.1\r\nHost: x\n\r\n"),
          std::string_view("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                           "Transfer-Encoding: chunked\r\n\r\n5\nABCDE\r\n")}) {
      INFO(bytes);
      Clock::duration elapsed{};
      auto raw = send_and_wait_close(stack, bytes, elapsed);
      CHECK(raw.eof);
      CHECK(raw_statuses(raw.data) == std::vector<int>{400});
      CHECK(elapsed < 1500ms);  // the header timeout is 2 s
    }
  }

  TEST_CASE("a TLS handshake on the plain port is a 400 and a close at once") {
    Stack stack;
    Clock::duration elapsed{};
    auto raw = send_and_wait_close(
        stack, std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11), elapsed);
    CHECK(raw.eof);
    CHECK(raw_statuses(raw.data) == std::vector<int>{400});
    CHECK(elapsed < 1500ms);
  }

  TEST_CASE("empty lines before a request line are ignored, also between kept-alive requests") {
    Stack stack;
    auto client = stack.client();
    client.send_raw(
        "\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n\r\n\r\n\r\n"
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    auto raw = client.read_until_close(5s);
    INFO(raw.data);
    // raw_statuses() reads status lines at line starts; the second follows a body.
    std::size_t answers = 0;
    for (auto at = raw.data.find("HTTP/1.1 200 OK\r\n"); at != std::string::npos;
         at = raw.data.find("HTTP/1.1 200 OK\r\n", at + 1)) {
      ++answers;
    }
    CHECK(answers == 2);
    CHECK(raw.data.find("HTTP/1.1 4") == std::string::npos);
  }

  TEST_CASE("raw non-ASCII bytes in the target are a 400") {
    Stack stack;
    Clock::duration elapsed{};
    auto raw =
        send_and_wait_close(stack, "GET /\xce\xb4\xce\xbb HTTP/1.1\r\nHost: x\r\n\r\n", elapsed);
    CHECK(raw_statuses(raw.data) == std::vector<int>{400});
    CHECK(raw.eof);
  }

  TEST_CASE("unknown method: 405 with Allow on a known path, 501 elsewhere") {
    Stack stack;
    auto client = stack.client();
    auto on_known = client.request("FROB", "/v1/chat/completions");
    check_error(on_known, 405, "method_not_allowed");
    CHECK(on_known.header("allow") == "POST");
    auto get_on_post = client.request("DELETE", "/healthz");
    check_error(get_on_post, 405, "method_not_allowed");
    CHECK(get_on_post.header("allow") == "GET, HEAD");
    check_error(client.request("FROB", "/nowhere"), 501, "not_implemented");
    check_error(client.request("DELETE", "/nowhere"), 404, "not_found");
  }

  TEST_CASE("absolute-form request targets are served (RFC 9112 section 3.2.2)") {
    Stack stack;
    auto client = stack.client();
    CHECK(client.request("GET", "http://gateway.example/healthz").status == 200);
    auto res = client.post("http://gateway.example/v1/chat/completions", chat_body());
    CHECK(res.status == 200);
    CHECK(stack.upstream.hits() == 1);
  }
}
