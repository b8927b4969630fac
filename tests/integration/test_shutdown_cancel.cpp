// Cancellation at the end of the shutdown grace period: requests still in
// flight are cancelled and awaited, so each gets its error (in-band for a
// stream under way, a 503 otherwise) and exactly one usage record with
// outcome `shutdown`, and the process exits 0.
#include <signal.h>

#include <set>

#include "tests/integration/flow_support.hpp"

using namespace itest;
namespace json = boost::json;

TEST_SUITE("shutdown cancellation") {
  TEST_CASE("streams and pending answers past the grace period end with shutdown records") {
    // Streams take 4 s (40 pieces, 100 ms apart); a non-streamed answer never
    // comes. The grace period is 2 s.
    FakeAnswer slow{.pieces = std::vector<std::string>(40, "x"), .delay = 100ms};
    Handler streams = openai_handler(slow);
    FakeUpstream upstream([streams](const RecordedRequest& r) {
      return wants_stream(r) ? streams(r) : Response::silence();
    });
    ConfigSpec spec = basic_spec(upstream.base_url());
    spec.providers[0].first_byte = "20s";
    spec.providers[0].between_chunks = "5s";
    GatewayProcess gateway(with_server_lines(render_config(spec), "    shutdown_grace: 2s\n"));

    constexpr int kStreams = 3;
    std::vector<std::unique_ptr<TestClient>> clients;
    std::set<std::string> stream_ids;
    for (int i = 0; i < kStreams; ++i) {
      auto client = std::make_unique<TestClient>(gateway.port(), 15s);
      client->send_request("POST", "/v1/chat/completions", chat_body("test/alpha", true));
      HttpResponse head = client->read_response_head();
      REQUIRE(head.status == 200);
      stream_ids.insert(head.header("x-request-id"));
      REQUIRE(client->next_event());  // under way
      clients.push_back(std::move(client));
    }
    TestClient pending(gateway.port(), 15s);
    pending.send_request("POST", "/v1/chat/completions", chat_body());
    REQUIRE(wait_until([&] { return upstream.hits() == kStreams + 1; }, 5s));

    gateway.send_signal(SIGTERM);
    for (auto& client : clients) {
      StreamRead rest = read_rest(*client, {});
      CHECK_FALSE(rest.has_done());
      json::value last = rest.last_json();
      REQUIRE(last.is_object());
      REQUIRE(last.as_object().contains("error"));
      CHECK(str(last.at("error").at("code")) == "shutting_down");
    }
    HttpResponse refused = pending.read_response();
    check_error(refused, 503, "shutting_down");

    CHECK(gateway.wait_exit(15s) == 0);
    auto records = usage_records(gateway.usage_log_path());
    CHECK(records.size() == kStreams + 1);
    std::set<std::string> ids;
    int streamed = 0;
    for (const json::object& record : records) {
      CHECK(str(record.at("outcome")) == "shutdown");
      ids.insert(str(record.at("request_id")));
      if (stream_ids.contains(str(record.at("request_id")))) {
        ++streamed;
        CHECK(record.at("status").to_number<int>() == 200);
      } else {
        CHECK(record.at("status").to_number<int>() == 503);
      }
    }
    CHECK(ids.size() == records.size());  // one record per request
    CHECK(streamed == kStreams);
  }
}
