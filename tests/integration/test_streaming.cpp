// stream=true: event-by-event relay, the usage chunk contract, failures
// after the first byte, and a client that leaves mid-stream.
#include <algorithm>
#include <chrono>
#include <set>

#include "tests/integration/stack.hpp"

using namespace itest;
namespace json = boost::json;

namespace {

struct StreamResult {
  HttpResponse head;
  std::vector<std::string> data;  // every event's data, in order
  bool complete = false;          // the response body ended cleanly
};

StreamResult read_stream(TestClient& client, std::string_view body) {
  StreamResult result;
  client.send_request("POST", "/v1/chat/completions", body);
  result.head = client.read_response_head();
  while (auto event = client.next_event()) result.data.push_back(event->data);
  result.complete = client.body_complete();
  return result;
}

// The JSON chunks (everything but "[DONE]").
std::vector<json::object> chunks(const StreamResult& stream) {
  std::vector<json::object> out;
  for (const auto& d : stream.data) {
    if (d == "[DONE]") continue;
    boost::system::error_code ec;
    auto v = json::parse(d, ec);
    INFO("event data: " << d);
    REQUIRE_FALSE(ec);
    REQUIRE(v.is_object());
    out.push_back(v.as_object());
  }
  return out;
}

std::string content_of(const std::vector<json::object>& chunks) {
  std::string text;
  for (const auto& c : chunks) {
    auto* choices = c.if_contains("choices");
    if (choices == nullptr || !choices->is_array() || choices->as_array().empty()) continue;
    auto* delta = choices->as_array()[0].as_object().if_contains("delta");
    if (delta == nullptr || !delta->is_object()) continue;
    if (auto* content = delta->as_object().if_contains("content");
        content && content->is_string()) {
      text += content->as_string();
    }
  }
  return text;
}

bool is_usage_chunk(const json::object& chunk) {
  auto* usage = chunk.if_contains("usage");
  return usage != nullptr && !usage->is_null();
}

}  // namespace

TEST_SUITE("streaming") {
  TEST_CASE("a stream is relayed; usage is asked upstream but not passed on unasked") {
    Stack stack;
    auto client = stack.client();
    auto stream = read_stream(client, chat_body("test/alpha", true, false));
    REQUIRE(stream.head.status == 200);
    CHECK(stream.head.header("content-type").starts_with("text/event-stream"));
    CHECK_FALSE(stream.head.header("x-request-id").empty());
    CHECK(stream.head.header("x-switchyard-provider") == "fake-a");
    CHECK(stream.head.header("x-switchyard-model") == "test/alpha");
    CHECK(stream.complete);

    auto up = stack.upstream.last_request();
    REQUIRE(up);
    CHECK(up->json().at("model") == "alpha-upstream");
    CHECK(up->json().at("stream") == true);
    CHECK(wants_stream_usage(*up));

    REQUIRE_FALSE(stream.data.empty());
    CHECK(stream.data.back() == "[DONE]");
    auto all = chunks(stream);
    REQUIRE_FALSE(all.empty());
    CHECK(all.front().at("choices").at(0).at("delta").at("role") == "assistant");
    CHECK(content_of(all) == "Hello");
    for (const auto& c : all) {
      INFO("chunk: " << json::serialize(c));
      CHECK_FALSE(is_usage_chunk(c));
      CHECK_FALSE(c.at("choices").as_array().empty());
    }
  }

  TEST_CASE("a client asking include_usage gets the usage chunk before [DONE]") {
    Stack stack;
    auto client = stack.client();
    auto stream = read_stream(client, chat_body("test/alpha", true, true));
    REQUIRE(stream.head.status == 200);
    CHECK(stream.complete);
    REQUIRE(stream.data.size() >= 2);
    CHECK(stream.data.back() == "[DONE]");
    auto all = chunks(stream);
    REQUIRE_FALSE(all.empty());
    const auto& last = all.back();
    REQUIRE(is_usage_chunk(last));
    CHECK(last.at("choices").as_array().empty());
    CHECK(last.at("usage").at("prompt_tokens") == 10);
    CHECK(last.at("usage").at("completion_tokens") == 5);
    CHECK(content_of(all) == "Hello");
  }

  TEST_CASE("events reach the client before the upstream has finished") {
    FakeAnswer answer{.pieces = {"a", "b", "c", "d", "e", "f"}, .delay = 200ms};
    Stack stack(openai_handler(answer));
    auto client = stack.client();
    client.send_request("POST", "/v1/chat/completions", chat_body("test/alpha", true));
    auto head = client.read_response_head();
    REQUIRE(head.status == 200);
    auto first = client.next_event();
    REQUIRE(first);
    auto first_at = std::chrono::steady_clock::now();
    // role + 6 pieces + finish + usage (always asked upstream) + [DONE]
    CHECK(stack.upstream.events_sent() < 10);
    CHECK(stack.upstream.streams_completed() == 0);
    std::string last;
    while (auto event = client.next_event()) last = event->data;
    CHECK(client.body_complete());
    CHECK(last == "[DONE]");
    CHECK(std::chrono::steady_clock::now() - first_at >= 1s);
  }

  TEST_CASE("an upstream failing mid-stream ends the stream with an error event, no [DONE]") {
    Stack stack([](const RecordedRequest& r) {
      SseScript script;
      script.events =
          openai_stream_events("alpha-upstream", {"Hel", "lo", "more"}, {}, wants_stream_usage(r));
      script.stop_after = 3;  // role, "Hel", "lo", then the connection drops
      return Response::stream(script);
    });
    auto client = stack.client();
    auto stream = read_stream(client, chat_body("test/alpha", true));
    REQUIRE(stream.head.status == 200);
    CHECK(stack.upstream.hits() == 1);  // no fallback after the first byte
    REQUIRE_FALSE(stream.data.empty());
    CHECK(std::find(stream.data.begin(), stream.data.end(), "[DONE]") == stream.data.end());
    auto all = chunks(stream);
    REQUIRE_FALSE(all.empty());
    CHECK(content_of(all) == "Hello");
    CHECK(all.back().contains("error"));
    CHECK(all.back().at("error").is_object());
  }

  TEST_CASE("an upstream stalling past between_chunks ends the stream with an error event") {
    Stack stack([](const RecordedRequest& r) {
      SseScript script;
      script.events =
          openai_stream_events("alpha-upstream", {"Hel", "lo"}, {}, wants_stream_usage(r));
      script.stop_after = 2;
      script.hang_on_stop = true;
      return Response::stream(script);
    });
    auto client = stack.client();
    auto start = std::chrono::steady_clock::now();
    auto stream = read_stream(client, chat_body("test/alpha", true));
    CHECK(std::chrono::steady_clock::now() - start < 8s);
    REQUIRE(stream.head.status == 200);
    CHECK(std::find(stream.data.begin(), stream.data.end(), "[DONE]") == stream.data.end());
    auto all = chunks(stream);
    REQUIRE_FALSE(all.empty());
    CHECK(all.back().contains("error"));
    CHECK(wait_until([&] { return stack.upstream.connections_open() == 0; }, 3s));
  }

  TEST_CASE("a client leaving mid-stream closes the upstream; the gateway keeps serving") {
    FakeAnswer answer{.pieces = std::vector<std::string>(40, "x"), .delay = 100ms};
    Stack stack(openai_handler(answer));
    std::string first_id;
    {
      auto client = stack.client();
      client.send_request("POST", "/v1/chat/completions", chat_body("test/alpha", true));
      auto head = client.read_response_head();
      REQUIRE(head.status == 200);
      first_id = head.header("x-request-id");
      REQUIRE(client.next_event());
      REQUIRE(client.next_event());
      client.close();
    }
    CHECK(wait_until([&] { return stack.upstream.connections_open() == 0; }, 2s));
    CHECK(stack.upstream.streams_cut_by_peer() == 1);
    CHECK(stack.upstream.streams_completed() == 0);

    auto client = stack.client();
    auto res = client.post("/v1/chat/completions", chat_body());
    CHECK(res.status == 200);

    // Exactly one usage record for the abandoned stream, one for the next.
    std::string log = stack.gateway.usage_log_path();
    CHECK(wait_until([&] { return read_lines(log).size() >= 2; }, 3s));
    auto lines = read_lines(log);
    CHECK(lines.size() == 2);
    std::set<std::string> ids;
    for (const auto& line : lines) {
      auto record = json::parse(line).as_object();
      ids.insert(str(record.at("request_id")));
      if (str(record.at("request_id")) == first_id) {
        CHECK(str(record.at("outcome")) == "client_disconnect");
      }
    }
    CHECK(ids.size() == 2);
    CHECK(ids.contains(first_id));
  }
}
