// Request framing: ambiguous framings are rejected with 400 and a closed
// connection (never forwarded, never read as a second request); odd but
// valid framings work.
#include <algorithm>
#include <thread>

#include "tests/integration/stack.hpp"

using namespace itest;

namespace {

const std::string kSmuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

std::string chunked(std::string_view body) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", body.size());
  return std::string(size) + std::string(body) + "\r\n0\r\n\r\n";
}

std::string post_head(std::string_view version, std::string_view extra_headers) {
  return "POST /v1/chat/completions " + std::string(version) + "\r\n" + std::string(extra_headers) +
         "Content-Type: application/json\r\n";
}

std::string with_length(std::string_view body) {
  return "Content-Length: " + std::to_string(body.size()) + "\r\n";
}

// Sends `raw` on a fresh connection: expects exactly one response, a 400
// (or one of `statuses`), then EOF, and nothing forwarded upstream.
void expect_rejected(Stack& stack, const std::string& raw, std::vector<int> statuses = {400}) {
  auto client = stack.client();
  try {
    client.send_raw(raw);
  } catch (const std::exception&) {
    // The gateway may reject and close before reading everything.
  }
  auto reply = client.read_until_close(5s);
  INFO("request: " << raw.substr(0, 300));
  INFO("reply: " << reply.data.substr(0, 300));
  CHECK(reply.eof);
  auto got = raw_statuses(reply.data);
  CHECK(got.size() == 1);
  if (!got.empty()) CHECK(std::find(statuses.begin(), statuses.end(), got[0]) != statuses.end());
  CHECK(stack.upstream.hits() == 0);
}

}  // namespace

TEST_SUITE("smuggling") {
  TEST_CASE("ambiguous framings are rejected with 400 and close") {
    Stack stack;
    const std::string body = chat_body();

    SUBCASE("Transfer-Encoding whose last coding is not chunked") {
      expect_rejected(
          stack, post_head("HTTP/1.1", "Host: x\r\nTransfer-Encoding: chunked, gzip\r\n") + "\r\n" +
                     chunked(body) + kSmuggled);
    }
    SUBCASE("Transfer-Encoding: gzip") {
      expect_rejected(stack, post_head("HTTP/1.1", "Host: x\r\nTransfer-Encoding: gzip\r\n") +
                                 "\r\n" + body + kSmuggled);
    }
    SUBCASE("Transfer-Encoding: identity") {
      expect_rejected(stack, post_head("HTTP/1.1", "Host: x\r\nTransfer-Encoding: identity\r\n") +
                                 "\r\n" + body + kSmuggled);
    }
    SUBCASE("Transfer-Encoding with Content-Length") {
      expect_rejected(stack, post_head("HTTP/1.1", "Host: x\r\nTransfer-Encoding: chunked\r\n") +
                                 "Content-Length: 4\r\n\r\n" + chunked(body) + kSmuggled);
    }
    SUBCASE("Content-Length with Transfer-Encoding: identity") {
      expect_rejected(stack, post_head("HTTP/1.1", "Host: x\r\nTransfer-Encoding: identity\r\n") +
                                 with_length(body) + "\r\n" + body + kSmuggled);
    }
    SUBCASE("Transfer-Encoding on HTTP/1.0") {
      expect_rejected(stack, post_head("HTTP/1.0", "Host: x\r\nTransfer-Encoding: chunked\r\n") +
                                 "\r\n" + chunked(body) + kSmuggled);
    }
    SUBCASE("obsolete folded header line") {
      expect_rejected(stack, post_head("HTTP/1.1", "Host: x\r\nX-A: b\r\n c\r\n") +
                                 with_length(body) + "\r\n" + body + kSmuggled);
    }
    SUBCASE("missing Host on HTTP/1.1") {
      expect_rejected(stack, post_head("HTTP/1.1", "") + with_length(body) + "\r\n" + body);
    }
    SUBCASE("two Host headers") {
      expect_rejected(stack, post_head("HTTP/1.1", "Host: x\r\nHost: y\r\n") + with_length(body) +
                                 "\r\n" + body);
    }
    SUBCASE("headers over 16 KiB") {
      std::string big = "X-Big: " + std::string(17 * 1024, 'a') + "\r\n";
      expect_rejected(
          stack, post_head("HTTP/1.1", "Host: x\r\n" + big) + with_length(body) + "\r\n" + body,
          {431, 400});
    }
  }

  TEST_CASE("a chunked body arriving one byte at a time is accepted") {
    Stack stack;
    auto client = stack.client();
    const std::string body = chat_body();
    std::string raw = post_head("HTTP/1.1", "Host: x\r\nTransfer-Encoding: chunked\r\n") + "\r\n";
    // Two chunks, one with an extension, to exercise the chunk parser.
    std::size_t half = body.size() / 2;
    char size[64];
    std::snprintf(size, sizeof size, "%zx;ext=1\r\n", half);
    raw += size + body.substr(0, half) + "\r\n";
    std::snprintf(size, sizeof size, "%zx\r\n", body.size() - half);
    raw += size + body.substr(half) + "\r\n0\r\n\r\n";
    for (char byte : raw) {
      client.send_raw(std::string_view(&byte, 1));
      std::this_thread::sleep_for(1ms);  // pacing: each byte its own segment
    }
    auto res = client.read_response();
    CHECK(res.status == 200);
    CHECK(res.json().at("choices").at(0).at("message").at("content") == "Hello");
    REQUIRE(stack.upstream.hits() == 1);
    CHECK(stack.upstream.last_request()->json().at("model") == "alpha-upstream");
    CHECK(stack.upstream.last_request()->json().at("messages").at(0).at("content") == "Say hello");
  }

  TEST_CASE("a Content-Length body with a pipelined second request gets two responses") {
    Stack stack;
    auto client = stack.client();
    const std::string body = chat_body();
    std::string one = post_head("HTTP/1.1", "Host: x\r\n") + with_length(body) + "\r\n" + body;
    client.send_raw(one + one);
    auto first = client.read_response();
    auto second = client.read_response();
    CHECK(first.status == 200);
    CHECK(second.status == 200);
    CHECK(first.header("x-request-id") != second.header("x-request-id"));
    CHECK(stack.upstream.hits() == 2);
    CHECK(client.get("/healthz").status == 200);
  }
}
