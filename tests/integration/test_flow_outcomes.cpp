// How a request ends, seen from outside: a stream the upstream cut short is
// reported as truncated; a client that leaves a pending non-streamed answer
// cancels the attempt; the retry budget stops fallbacks.
#include "tests/integration/flow_support.hpp"

using namespace itest;
namespace json = boost::json;

namespace {

// The first `count` events of a normal OpenAI stream: no finish_reason, no
// [DONE]; the fake then ends the chunked body cleanly.
Handler openai_cut_after(std::size_t count) {
  return [count](const RecordedRequest& r) {
    SseScript script;
    script.events =
        openai_stream_events("alpha-upstream", {"Hel", "lo", "more"}, {}, wants_stream_usage(r));
    script.events.resize(count);
    return Response::stream(script);
  };
}

StreamRead stream_request(TestClient& client, std::string_view target, const std::string& body) {
  client.send_request("POST", target, body);
  return read_rest(client, client.read_response_head());
}

std::string anthropic_stream_body() {
  return R"({"model":"test/alpha","max_tokens":50,"stream":true,)"
         R"("messages":[{"role":"user","content":"Hi"}]})";
}

json::object only_record(const GatewayProcess& gateway) {
  std::string log = gateway.usage_log_path();
  CHECK(wait_until([&] { return !read_lines(log).empty(); }, 5s));
  auto records = usage_records(log);
  REQUIRE(records.size() == 1);
  return records[0];
}

}  // namespace

TEST_SUITE("flow outcomes") {
  TEST_CASE("a cleanly ended stream without finish or [DONE] is truncated, not ok") {
    Stack stack(openai_cut_after(3));  // role, "Hel", "lo"
    auto client = stack.client();
    StreamRead stream =
        stream_request(client, "/v1/chat/completions", chat_body("test/alpha", true, true));
    REQUIRE(stream.head.status == 200);
    CHECK(stream.complete);
    CHECK_FALSE(stream.has_done());
    json::value last = stream.last_json();
    REQUIRE(last.is_object());
    REQUIRE(last.as_object().contains("error"));
    CHECK(str(last.at("error").at("code")) == "upstream_truncated");

    json::object record = only_record(stack.gateway);
    CHECK(str(record.at("outcome")) == "truncated");
    CHECK(record.at("status").to_number<int>() == 200);
  }

  TEST_CASE("a stream cut by the upstream's close is truncated too") {
    Stack stack([](const RecordedRequest& r) {
      SseScript script;
      script.events =
          openai_stream_events("alpha-upstream", {"Hel", "lo"}, {}, wants_stream_usage(r));
      script.stop_after = 2;  // role, "Hel", then the connection drops
      return Response::stream(script);
    });
    auto client = stack.client();
    StreamRead stream =
        stream_request(client, "/v1/chat/completions", chat_body("test/alpha", true));
    REQUIRE(stream.head.status == 200);
    CHECK_FALSE(stream.has_done());
    CHECK(str(stream.last_json().at("error").at("code")) == "upstream_truncated");
    CHECK(str(only_record(stack.gateway).at("outcome")) == "truncated");
  }

  TEST_CASE("a finish_reason without [DONE] is a complete answer") {
    Stack stack([](const RecordedRequest& r) {
      SseScript script;
      script.events =
          openai_stream_events("alpha-upstream", {"Hel", "lo"}, {}, wants_stream_usage(r));
      script.events.pop_back();  // [DONE]
      return Response::stream(script);
    });
    auto client = stack.client();
    StreamRead stream =
        stream_request(client, "/v1/chat/completions", chat_body("test/alpha", true));
    REQUIRE(stream.head.status == 200);
    CHECK(stream.has_done());
    CHECK(str(only_record(stack.gateway).at("outcome")) == "ok");
  }

  TEST_CASE("an Anthropic upstream stream without message_stop is truncated, in either dialect") {
    Handler cut = [](const RecordedRequest&) {
      SseScript script;
      script.events = anthropic_stream_events("alpha-upstream", {"Hel", "lo"});
      script.events.pop_back();  // message_stop
      return Response::stream(script);
    };
    Stack stack(cut, [](ConfigSpec& spec) { spec.providers[0].kind = "anthropic"; });
    {
      auto client = stack.client();
      StreamRead stream =
          stream_request(client, "/v1/chat/completions", chat_body("test/alpha", true));
      REQUIRE(stream.head.status == 200);
      CHECK_FALSE(stream.has_done());
      CHECK(str(stream.last_json().at("error").at("code")) == "upstream_truncated");
    }
    {
      auto client = stack.client();
      StreamRead stream = stream_request(client, "/v1/messages", anthropic_stream_body());
      REQUIRE(stream.head.status == 200);
      REQUIRE_FALSE(stream.events.empty());
      CHECK(stream.events.back().event == "error");
      for (const SseEvent& event : stream.events) CHECK(event.event != "message_stop");
    }
    std::string log = stack.gateway.usage_log_path();
    CHECK(wait_until([&] { return read_lines(log).size() >= 2; }, 5s));
    for (const json::object& record : usage_records(log)) {
      CHECK(str(record.at("outcome")) == "truncated");
    }
  }

  TEST_CASE("a client leaving a pending non-streamed answer cancels the attempt") {
    Stack stack([](const RecordedRequest&) { return Response::silence(); },
                [](ConfigSpec& spec) { spec.providers[0].first_byte = "20s"; });
    auto start = std::chrono::steady_clock::now();
    {
      auto client = stack.client();
      client.send_request("POST", "/v1/chat/completions", chat_body());
      REQUIRE(wait_until([&] { return stack.upstream.hits() == 1; }, 5s));
      client.close();
    }
    json::object record = only_record(stack.gateway);
    CHECK(std::chrono::steady_clock::now() - start < 10s);  // not the 20 s timeout
    CHECK(str(record.at("outcome")) == "client_disconnect");
    CHECK(record.at("status").to_number<int>() == 499);
    // The upstream connection was closed: cancelling is closing in HTTP/1.1.
    CHECK(wait_until([&] { return stack.upstream.connections_open() == 0; }, 5s));

    stack.upstream.set_handler(openai_handler());
    auto client = stack.client();
    CHECK(client.post("/v1/chat/completions", chat_body()).status == 200);
  }

  TEST_CASE("the retry budget stops fallbacks beyond its share") {
    auto spec_for = [](const FakeUpstream& failing, const FakeUpstream& working) {
      ConfigSpec spec = basic_spec(failing.base_url());
      ProviderSpec b;
      b.name = "fake-b";
      b.base_url = working.base_url();
      spec.providers.push_back(b);
      EndpointSpec second;
      second.provider = "fake-b";
      second.prompt_price = "3";  // fake-a, the cheaper, goes first
      second.completion_price = "4";
      spec.models[0].endpoints.push_back(second);
      return render_config(spec);
    };
    FakeUpstream failing([](const RecordedRequest&) {
      return Response::json(openai_error("down", "server_error", "down"), 500);
    });
    FakeUpstream working(openai_handler());
    {
      // The default budget lets one request fall back.
      GatewayProcess gateway(spec_for(failing, working));
      TestClient client(gateway.port());
      auto res = client.post("/v1/chat/completions", chat_body());
      CHECK(res.status == 200);
      CHECK(res.header("x-switchyard-provider") == "fake-b");
    }
    std::size_t working_hits = working.hits();
    {
      GatewayProcess gateway(with_server_lines(spec_for(failing, working), "",
                                               "    retry_budget: 0\n    retry_budget_min: 0\n"));
      TestClient client(gateway.port());
      auto res = client.post("/v1/chat/completions", chat_body());
      check_error(res, 502, "bad_gateway");
      CHECK(working.hits() == working_hits);  // no fallback was sent
      json::object record = only_record(gateway);
      CHECK(str(record.at("outcome")) == "upstream_error");
      CHECK(record.at("attempts").as_array().size() == 1);
    }
  }
}
