// Self-tests of the harness pieces that do not need the gateway: the fake
// upstreams, the test client, the wire-format helpers, the metrics reader.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "tests/integration/fake_upstream.hpp"
#include "tests/integration/harness.hpp"
#include "tests/integration/http_client.hpp"
#include "tests/integration/prom_text.hpp"
#include "tests/integration/wire_formats.hpp"

using namespace itest;
namespace json = boost::json;

TEST_SUITE("fakes") {
  TEST_CASE("fake upstream answers JSON over one keep-alive connection and records requests") {
    FakeUpstream fake(openai_handler({.pieces = {"Hi"}, .usage = {7, 3}}));
    TestClient client(fake.port());
    for (int i = 0; i < 2; ++i) {
      auto res =
          client.post("/v1/chat/completions", chat_body("m-1"), {{"Authorization", "Bearer abc"}});
      REQUIRE(res.status == 200);
      auto body = res.json().as_object();
      CHECK(body.at("object") == "chat.completion");
      CHECK(body.at("model") == "m-1");
      CHECK(body.at("choices").at(0).at("message").at("content") == "Hi");
      CHECK(body.at("usage").at("prompt_tokens") == 7);
      CHECK(body.at("usage").at("completion_tokens") == 3);
      CHECK(body.at("usage").at("total_tokens") == 10);
    }
    CHECK(fake.hits() == 2);
    CHECK(fake.connections_accepted() == 1);
    auto last = fake.last_request();
    REQUIRE(last);
    CHECK(last->method == "POST");
    CHECK(last->target == "/v1/chat/completions");
    CHECK(last->header("authorization") == "Bearer abc");
    CHECK(last->json().at("model") == "m-1");
    CHECK(last->connection == 1);
    client.close();
    CHECK(wait_until([&] { return fake.connections_open() == 0; }, 2s));
  }

  TEST_CASE("fake upstream streams SSE event by event") {
    FakeUpstream fake(openai_handler({.pieces = {"Hel", "lo"}, .delay = 150ms}));
    TestClient client(fake.port());
    client.send_request("POST", "/v1/chat/completions", chat_body("m", true));
    auto head = client.read_response_head();
    CHECK(head.status == 200);
    CHECK(head.header("content-type") == "text/event-stream");
    CHECK(head.header("transfer-encoding") == "chunked");
    auto first = client.next_event();
    REQUIRE(first);
    CHECK(fake.events_sent() < 5);  // role, Hel, lo, finish, [DONE]
    CHECK(json::parse(first->data).at("choices").at(0).at("delta").at("role") == "assistant");
    std::vector<std::string> data{first->data};
    while (auto event = client.next_event()) data.push_back(event->data);
    CHECK(client.body_complete());
    REQUIRE(data.size() == 5);
    CHECK(data.back() == "[DONE]");
    auto finish = json::parse(data[3]);
    CHECK(finish.at("choices").at(0).at("finish_reason") == "stop");
    // The fake counts the stream after its last write returns, which may be
    // after the client has read it: wait for the count, never on timing.
    CHECK(wait_until([&] { return fake.streams_completed() == 1; }, 10s));
    CHECK(fake.streams_cut_by_peer() == 0);
  }

  TEST_CASE("OpenAI stream events carry a usage chunk only when asked") {
    auto without = openai_stream_events("m", {"a", "b"}, {10, 5}, false);
    auto with = openai_stream_events("m", {"a", "b"}, {10, 5}, true);
    CHECK(without.size() == 5);
    REQUIRE(with.size() == 6);
    CHECK(with.back() == "data: [DONE]\n\n");
    for (const auto& e : with) CHECK(e.ends_with("\n\n"));
    auto usage = json::parse(with[4].substr(6));
    CHECK(usage.at("choices").as_array().empty());
    CHECK(usage.at("usage").at("prompt_tokens") == 10);
    CHECK(usage.at("usage").at("completion_tokens") == 5);
    CHECK(usage.at("usage").at("total_tokens") == 15);
    CHECK(json::parse(with[1].substr(6)).at("usage").is_null());
    for (const auto& e : without) CHECK(e.find("\"usage\"") == std::string::npos);
  }

  TEST_CASE("fake upstream can cut a stream mid-way") {
    FakeUpstream fake([](const RecordedRequest&) {
      SseScript script;
      script.events = openai_stream_events("m", {"a", "b", "c"}, {}, false);
      script.stop_after = 2;
      return Response::stream(script);
    });
    TestClient client(fake.port());
    client.send_request("POST", "/v1/chat/completions", chat_body("m", true));
    client.read_response_head();
    int events = 0;
    while (client.next_event()) ++events;
    CHECK(events == 2);
    CHECK_FALSE(client.body_complete());
    CHECK_FALSE(client.stream_error().empty());
  }

  TEST_CASE("fake upstream silence and immediate close") {
    FakeUpstream fake([](const RecordedRequest& r) {
      return r.target == "/silent" ? Response::silence() : Response::close();
    });
    {
      TestClient client(fake.port(), 300ms);
      CHECK_THROWS(client.request("GET", "/silent"));
    }
    CHECK(wait_until([&] { return fake.connections_open() == 0; }, 2s));
    TestClient client(fake.port());
    client.send_request("GET", "/close");
    auto raw = client.read_until_close(2s);
    CHECK(raw.eof);
    CHECK(raw.data.empty());
    CHECK(fake.hits() == 2);
  }

  TEST_CASE("fake upstream notices a client that leaves mid-stream") {
    FakeUpstream fake(
        openai_handler({.pieces = std::vector<std::string>(30, "x"), .delay = 100ms}));
    TestClient client(fake.port());
    client.send_request("POST", "/v1/chat/completions", chat_body("m", true));
    client.read_response_head();
    REQUIRE(client.next_event());
    client.close();
    CHECK(wait_until([&] { return fake.connections_open() == 0; }, 2s));
    CHECK(fake.streams_cut_by_peer() == 1);
    CHECK(fake.streams_completed() == 0);
  }

  TEST_CASE("fake answers with custom status and headers") {
    FakeUpstream fake([](const RecordedRequest&) {
      return Response::json(openai_error("slow down", "rate_limit_error", "rate_limited"), 429,
                            {{"Retry-After", "3"}});
    });
    TestClient client(fake.port());
    auto res = client.get("/v1/x");
    CHECK(res.status == 429);
    CHECK(res.header("retry-after") == "3");
    CHECK(res.json().at("error").at("code") == "rate_limited");
  }

  TEST_CASE("Anthropic wire formats") {
    auto events = anthropic_stream_events("claude-x", {"Hel", "lo"}, {25, 15});
    std::vector<std::string> names;
    for (const auto& e : events) names.push_back(e.substr(7, e.find('\n') - 7));
    CHECK(names == std::vector<std::string>{"message_start", "content_block_start", "ping",
                                            "content_block_delta", "content_block_delta",
                                            "content_block_stop", "message_delta", "message_stop"});
    auto delta_data = events[3].substr(events[3].find("data: ") + 6);
    CHECK(json::parse(delta_data).at("delta").at("type") == "text_delta");
    auto usage_data = events[6].substr(events[6].find("data: ") + 6);
    CHECK(json::parse(usage_data).at("usage").at("output_tokens") == 15);
    auto message = json::parse(anthropic_message("claude-x", "Hello", {25, 15}));
    CHECK(message.at("content").at(0).at("text") == "Hello");
    CHECK(message.at("usage").at("input_tokens") == 25);

    FakeUpstream fake(anthropic_handler({.pieces = {"a"}, .usage = {4, 2}}));
    TestClient client(fake.port());
    client.send_request("POST", "/v1/messages", chat_body("claude-x", true));
    client.read_response_head();
    auto first = client.next_event();
    REQUIRE(first);
    CHECK(first->event == "message_start");
    CHECK(json::parse(first->data).at("message").at("usage").at("input_tokens") == 4);
  }

  TEST_CASE("Prometheus text reader sums matching samples") {
    std::string text =
        "# HELP switchyard_requests_total Requests.\n"
        "# TYPE switchyard_requests_total counter\n"
        "switchyard_requests_total{model=\"test/alpha\",outcome=\"ok\",provider=\"a\"} 2\n"
        "switchyard_requests_total{model=\"test/alpha\",outcome=\"ok\",provider=\"b\"} 1\n"
        "switchyard_requests_total{model=\"test/alpha\",outcome=\"upstream_error\"} 4\n"
        "switchyard_requests_total_other{model=\"test/alpha\"} 9\n"
        "switchyard_cost_usd_total{label=\"a \\\"q\\\" b\"} 7.5e-05\n"
        "switchyard_up 1\n";
    auto ok =
        metric_sum(text, "switchyard_requests_total", {{"model", "test/alpha"}, {"outcome", "ok"}});
    CHECK(ok.sum == 3);
    CHECK(ok.samples == 2);
    CHECK(metric_sum(text, "switchyard_requests_total").sum == 7);
    CHECK(metric_sum(text, "switchyard_cost_usd_total", {{"label", "a \"q\" b"}}).sum ==
          doctest::Approx(0.000075));
    CHECK(metric_sum(text, "switchyard_up").sum == 1);
    CHECK(metric_sum(text, "missing").samples == 0);
  }

  TEST_CASE("harness utilities") {
    std::string path;
    {
      TempDir dir;
      path = dir.path();
      dir.write("a.txt", "x\n\ny\n");
      CHECK(read_lines(dir.file("a.txt")) == std::vector<std::string>{"x", "y"});
    }
    CHECK_FALSE(std::filesystem::exists(path));
    CHECK_THROWS(TestClient(closed_port(), 1s));
    std::string log =
        "{\"level\":\"info\",\"msg\":\"loading\"}\n"
        "{\"level\":\"info\",\"msg\":\"listening on 127.0.0.1:40123\",\"worker\":0}\n";
    CHECK(find_listening_port(log) == std::uint16_t{40123});
    CHECK_FALSE(find_listening_port("listening on 127.0.0.1:5\n"));
    CHECK(raw_statuses("HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 400 Bad\r\n") ==
          std::vector<int>{200, 400});
  }
}
