// The per-endpoint cap on in-flight upstream connections: beyond it requests
// wait in a bounded line, then get 503 with Retry-After, never reaching the
// upstream; a freed connection serves the next request.
#include <atomic>
#include <thread>

#include "tests/integration/config_builder.hpp"
#include "tests/integration/harness.hpp"
#include "tests/integration/http_client.hpp"
#include "tests/integration/scripted_upstream.hpp"
#include "tests/integration/wire_formats.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

using namespace itest;

TEST_CASE("endpoint cap: a full line and a wait that runs out get 503 with Retry-After") {
  std::atomic<bool> release{false};
  ScriptedUpstream upstream([&release](const RawRequest& request) {
    if (request.number == 1) {
      // Holds the only connection until the test lets go (bounded wait).
      wait_until([&] { return release.load(); }, 10s);
    }
    return RawReply{{http_json(openai_completion("m", "ok-" + std::to_string(request.number)))},
                    false};
  });
  ConfigSpec spec = basic_spec(upstream.base_url());
  spec.providers[0].first_byte = "10s";
  spec.providers[0].extra_yaml =
      "    max_connections: 1\n    max_queued: 1\n    queue_timeout: 300ms\n";
  GatewayProcess gateway(render_config(spec));

  HttpResponse held;
  std::thread holder([&] {
    TestClient client(gateway.port(), 15s);
    held = client.post("/v1/chat/completions", chat_body());
  });
  REQUIRE(wait_until([&] { return upstream.requests() == 1; }, 5s));

  // Two more: one waits in the line and runs out of time, the other finds
  // the line full at once. Both are 503 with Retry-After, neither reaches
  // the upstream.
  TestClient second(gateway.port(), 10s);
  TestClient third(gateway.port(), 10s);
  second.send_request("POST", "/v1/chat/completions", chat_body());
  third.send_request("POST", "/v1/chat/completions", chat_body());
  for (TestClient* client : {&second, &third}) {
    HttpResponse response = client->read_response();
    CHECK(response.status == 503);
    CHECK(response.header("retry-after") == "1");
    CHECK(response.body.find("overloaded") != std::string::npos);
  }
  CHECK(upstream.requests() == 1);

  release = true;
  holder.join();
  CHECK(held.status == 200);
  // The slot is free again, and the kept connection is reused.
  TestClient after(gateway.port(), 10s);
  HttpResponse next = after.post("/v1/chat/completions", chat_body());
  CHECK(next.status == 200);
  CHECK(upstream.connections_accepted() == 1);
}
