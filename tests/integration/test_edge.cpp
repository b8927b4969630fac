// Edge limits of the client side: header timeout, idle keep-alive timeout,
// the connection cap.
#include <chrono>
#include <memory>

#include "tests/integration/stack.hpp"

using namespace itest;

TEST_SUITE("edge") {
  TEST_CASE("a client stalling inside the request line is closed after header_timeout") {
    Stack stack;
    auto client = stack.client();
    auto start = std::chrono::steady_clock::now();
    client.send_raw("POST /v1/chat/comp");
    auto raw = client.read_until_close(8s);
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(raw.eof);
    CHECK(elapsed >= 1500ms);  // header_timeout is 2s
    CHECK(elapsed < 6s);
    for (int status : raw_statuses(raw.data)) CHECK(status >= 400);
    CHECK(stack.upstream.hits() == 0);
  }

  TEST_CASE("a client sending headers slowly is closed after header_timeout") {
    Stack stack;
    auto client = stack.client();
    auto start = std::chrono::steady_clock::now();
    client.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    // One more header line every 500 ms: each read is quick, the whole is not.
    bool closed = false;
    for (int i = 0; i < 12 && !closed; ++i) {
      try {
        client.send_raw("X-Slow: " + std::to_string(i) + "\r\n");
      } catch (const std::exception&) {
        closed = true;
        break;
      }
      auto raw = client.read_until_close(500ms);
      closed = raw.eof;
    }
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(closed);
    CHECK(elapsed < 5s);
  }

  TEST_CASE("an idle keep-alive connection is closed after idle_timeout") {
    Stack stack(openai_handler(), [](ConfigSpec& spec) { spec.idle_timeout = "1s"; });
    auto client = stack.client();
    REQUIRE(client.get("/healthz").status == 200);
    auto start = std::chrono::steady_clock::now();
    auto raw = client.read_until_close(5s);
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(raw.eof);
    CHECK(raw.data.empty());
    CHECK(elapsed >= 800ms);
    CHECK(elapsed < 4s);
  }

  TEST_CASE("connections over max_connections get 503 and are closed") {
    Stack stack(openai_handler(), [](ConfigSpec& spec) { spec.max_connections = 3; });
    std::vector<std::unique_ptr<TestClient>> idle;
    for (int i = 0; i < 3; ++i) {
      idle.push_back(std::make_unique<TestClient>(stack.gateway.port()));
      REQUIRE(idle.back()->get("/healthz").status == 200);
    }
    {
      auto extra = stack.client();
      try {
        extra.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      } catch (const std::exception&) {
        // The gateway may answer and close before reading the request.
      }
      auto raw = extra.read_until_close(5s);
      CHECK(raw.eof);
      CHECK(raw_statuses(raw.data) == std::vector<int>{503});
    }
    // The open connections still work.
    CHECK(idle[0]->get("/healthz").status == 200);
    // Freeing one slot lets a new connection in.
    idle[1]->close();
    CHECK(wait_until(
        [&] {
          try {
            auto again = stack.client(2s);
            return again.get("/healthz").status == 200;
          } catch (const std::exception&) {
            return false;
          }
        },
        5s));
  }
}
