// Connection integrity against upstreams that misbehave at the HTTP layer:
// interim 1xx responses, unsolicited second responses, closes without a
// word, bodies longer or shorter than their Content-Length. Whatever the
// first request gets, every later request on the pool must get its own
// answer, with one worker and with several, for JSON and for SSE.
#include <functional>
#include <string>
#include <vector>

#include "tests/integration/config_builder.hpp"
#include "tests/integration/harness.hpp"
#include "tests/integration/http_client.hpp"
#include "tests/integration/prom_text.hpp"
#include "tests/integration/scripted_upstream.hpp"
#include "tests/integration/wire_formats.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

using namespace itest;
namespace json = boost::json;

namespace {

std::string str(const json::value& value) {
  return value.is_string() ? std::string(value.as_string()) : json::serialize(value);
}

std::string ask(std::string_view content, bool stream) {
  json::object body{
      {"model", "test/alpha"},
      {"messages", json::array{json::object{{"role", "user"}, {"content", content}}}}};
  if (stream) body["stream"] = true;
  return json::serialize(body);
}

std::string answer_text(const RawRequest& request) {
  return "answer:" + request.user_content();
}

std::string sse_events(const std::vector<std::string>& events) {
  std::string out;
  for (const auto& event : events) out += event;
  return out;
}

// The well-behaved answer to `request`, as one response's bytes.
std::string good_reply(const RawRequest& request) {
  if (!request.stream()) return http_json(openai_completion("m", answer_text(request)));
  return http_sse_chunked(
      openai_stream_events("m", {"answer:", request.user_content()}, {}, false));
}

struct ClientAnswer {
  int status = 0;
  std::string content;
  std::vector<std::string> events;  // streams: every event's data
  bool done = false;                // streams: [DONE] came
  bool error_event = false;         // streams: an in-band error came
};

std::string stream_content(const std::vector<std::string>& events) {
  std::string text;
  for (const auto& data : events) {
    boost::system::error_code ec;
    json::value chunk = json::parse(data, ec);
    if (ec || !chunk.is_object()) continue;
    const json::value* choices = chunk.as_object().if_contains("choices");
    if (!choices || !choices->is_array() || choices->as_array().empty()) continue;
    const json::value* delta = choices->as_array()[0].as_object().if_contains("delta");
    const json::value* content =
        delta && delta->is_object() ? delta->as_object().if_contains("content") : nullptr;
    if (content && content->is_string()) text += content->as_string();
  }
  return text;
}

ClientAnswer call(const GatewayProcess& gateway, std::string_view content, bool stream) {
  TestClient client(gateway.port(), 10s);
  ClientAnswer answer;
  if (!stream) {
    HttpResponse response = client.post("/v1/chat/completions", ask(content, false));
    answer.status = response.status;
    if (response.status == 200) {
      answer.content = str(response.json().at("choices").at(0).at("message").at("content"));
    }
    return answer;
  }
  client.send_request("POST", "/v1/chat/completions", ask(content, true));
  HttpResponse head = client.read_response_head();
  answer.status = head.status;
  if (head.status != 200) return answer;
  while (auto event = client.next_event()) {
    answer.events.push_back(event->data);
    if (event->data == "[DONE]") answer.done = true;
    if (event->data.find("\"error\"") != std::string::npos) answer.error_event = true;
  }
  answer.content = stream_content(answer.events);
  return answer;
}

double protocol_errors(const GatewayProcess& gateway) {
  TestClient client(gateway.port(), 10s);
  HttpResponse metrics = client.get("/metrics");
  return metric_sum(metrics.body, "switchyard_upstream_errors_total", {{"kind", "protocol"}}).sum;
}

// The first request gets `misbehave`'s bytes; every later one a good answer.
struct Scenario {
  std::function<RawReply(const RawRequest&)> misbehave;
};

struct Run {
  ScriptedUpstream upstream;
  GatewayProcess gateway;
  Run(const Scenario& scenario, int workers)
      : upstream([misbehave = scenario.misbehave](const RawRequest& request) {
          if (request.number == 1) return misbehave(request);
          return RawReply{{good_reply(request)}, false};
        }),
        gateway(config(upstream, workers)) {}

  static std::string config(const ScriptedUpstream& upstream, int workers) {
    ConfigSpec spec = basic_spec(upstream.base_url());
    spec.workers = workers;
    return render_config(spec);
  }

  // Later requests, one after another: each must get its own answer.
  void check_next_answers(bool stream, int count = 4) {
    for (int i = 1; i <= count; ++i) {
      std::string content = "ask-" + std::to_string(i);
      ClientAnswer answer = call(gateway, content, stream);
      INFO("request " << i << (stream ? " (stream)" : " (json)"));
      CHECK(answer.status == 200);
      CHECK(answer.content == "answer:" + content);
      if (stream) CHECK(answer.done);
    }
  }

  bool usage_log_has(std::string_view needle) const {
    return wait_until(
        [&] {
          for (const auto& line : read_lines(gateway.usage_log_path())) {
            if (line.find(needle) != std::string::npos) return true;
          }
          return false;
        },
        5s);
  }
};

// Runs `scenario` for JSON and SSE, with one worker and with three; `check`
// sees the first (misbehaving) answer.
void for_each_setup(
    const Scenario& scenario,
    const std::function<void(Run&, const ClientAnswer&, bool stream, int workers)>& check) {
  for (int workers : {1, 3}) {
    for (bool stream : {false, true}) {
      CAPTURE(workers);
      CAPTURE(stream);
      Run run(scenario, workers);
      ClientAnswer first = call(run.gateway, "ask-0", stream);
      check(run, first, stream, workers);
      run.check_next_answers(stream);
    }
  }
}

}  // namespace

TEST_CASE("integrity: 100 Continue before the answer is skipped") {
  Scenario scenario{[](const RawRequest& request) {
    return RawReply{{"HTTP/1.1 100 Continue\r\n\r\n", good_reply(request)}, false};
  }};
  for_each_setup(scenario, [](Run&, const ClientAnswer& first, bool stream, int) {
    CHECK(first.status == 200);
    CHECK(first.content == "answer:ask-0");
    if (stream) CHECK(first.done);
  });
}

TEST_CASE("integrity: 103 Early Hints (with headers) before the answer is skipped") {
  Scenario scenario{[](const RawRequest& request) {
    return RawReply{
        {"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" + good_reply(request)},
        false};
  }};
  for_each_setup(scenario, [](Run&, const ClientAnswer& first, bool, int) {
    CHECK(first.status == 200);
    CHECK(first.content == "answer:ask-0");
  });
}

TEST_CASE("integrity: an unsolicited second response in the same write is never delivered") {
  Scenario scenario{[](const RawRequest& request) {
    RawRequest other = request;
    other.body = ask("injected", request.stream());
    return RawReply{{good_reply(request) + good_reply(other)}, false};
  }};
  for_each_setup(scenario, [](Run& run, const ClientAnswer& first, bool, int workers) {
    CHECK(first.status == 200);
    CHECK(first.content == "answer:ask-0");
    if (workers == 1) CHECK(protocol_errors(run.gateway) >= 1);
  });
}

TEST_CASE("integrity: an unsolicited response sent after the answer poisons no later request") {
  Scenario scenario{[](const RawRequest& request) {
    RawRequest other = request;
    other.body = ask("injected", request.stream());
    return RawReply{{good_reply(request), good_reply(other)}, false};
  }};
  for_each_setup(scenario, [](Run& run, const ClientAnswer& first, bool stream, int workers) {
    CHECK(first.status == 200);
    CHECK(first.content == "answer:ask-0");
    REQUIRE(wait_until([&] { return run.upstream.replies_sent() >= 1; }, 5s));
    if (workers == 1) {
      // Found either beyond the response or on the idle connection at the
      // next acquire: counted once the next request has run.
      ClientAnswer next = call(run.gateway, "ask-x", stream);
      CHECK(next.content == "answer:ask-x");
      CHECK(protocol_errors(run.gateway) >= 1);
    }
  });
}

TEST_CASE("integrity: an upstream that closes after its answer without saying so") {
  Scenario scenario{[](const RawRequest& request) {
    return RawReply{{good_reply(request)}, true};
  }};
  for_each_setup(scenario, [](Run&, const ClientAnswer& first, bool stream, int) {
    CHECK(first.status == 200);
    CHECK(first.content == "answer:ask-0");
    if (stream) CHECK(first.done);
  });
}

TEST_CASE("integrity: a close-delimited answer ends at the close; without [DONE] it is truncated") {
  Scenario scenario{[](const RawRequest& request) {
    if (!request.stream()) {
      return RawReply{{"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" +
                       openai_completion("m", answer_text(request))},
                      true};
    }
    auto events = openai_stream_events("m", {"answer:", request.user_content()}, {}, false);
    events.resize(3);  // role, two pieces: no finish_reason, no [DONE]
    return RawReply{
        {"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n" + sse_events(events)}, true};
  }};
  for_each_setup(scenario, [](Run& run, const ClientAnswer& first, bool stream, int) {
    CHECK(first.status == 200);
    CHECK(first.content == "answer:ask-0");
    if (stream) {
      CHECK_FALSE(first.done);
      CHECK(first.error_event);
      CHECK(run.usage_log_has("\"truncated\""));
    }
  });
}

TEST_CASE("integrity: a chunked stream that ends cleanly without [DONE] is truncated") {
  Scenario scenario{[](const RawRequest& request) {
    if (!request.stream()) return RawReply{{good_reply(request)}, false};
    auto events = openai_stream_events("m", {"answer:", request.user_content()}, {}, false);
    events.resize(3);
    return RawReply{{http_sse_chunked(events, true)}, false};
  }};
  for_each_setup(scenario, [](Run& run, const ClientAnswer& first, bool stream, int) {
    CHECK(first.status == 200);
    if (!stream) return;
    CHECK(first.content == "answer:ask-0");
    CHECK_FALSE(first.done);
    CHECK(first.error_event);
    CHECK(run.usage_log_has("\"truncated\""));
  });
}

TEST_CASE("integrity: a body longer than its Content-Length: the surplus is never an answer") {
  Scenario scenario{[](const RawRequest& request) {
    std::string good = good_reply(request);
    if (!request.stream()) return RawReply{{good + "surplus bytes"}, false};
    // The stream's Content-Length stops before [DONE]: the rest is surplus.
    std::string events =
        sse_events(openai_stream_events("m", {"answer:", request.user_content()}, {}, false));
    std::size_t cut = events.find("data: [DONE]");
    return RawReply{{"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: " +
                     std::to_string(cut) + "\r\n\r\n" + events},
                    false};
  }};
  for_each_setup(scenario, [](Run& run, const ClientAnswer& first, bool stream, int workers) {
    CHECK(first.status == 200);
    CHECK(first.content == "answer:ask-0");
    // The finish_reason came within the length: a whole answer.
    if (stream) CHECK(first.done);
    if (workers == 1) CHECK(protocol_errors(run.gateway) >= 1);
  });
}

TEST_CASE("integrity: a body shorter than its Content-Length is a failure, not an answer") {
  Scenario scenario{[](const RawRequest& request) {
    if (!request.stream()) {
      std::string body = openai_completion("m", answer_text(request));
      return RawReply{{"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size() + 10) + "\r\n\r\n" + body},
                      true};
    }
    auto events = openai_stream_events("m", {"answer:", request.user_content()}, {}, false);
    events.resize(3);
    std::string body = sse_events(events);
    return RawReply{{"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: " +
                     std::to_string(body.size() + 10) + "\r\n\r\n" + body},
                    true};
  }};
  for_each_setup(scenario, [](Run&, const ClientAnswer& first, bool stream, int) {
    if (!stream) {
      CHECK(first.status == 502);
      return;
    }
    CHECK(first.status == 200);
    CHECK(first.content == "answer:ask-0");
    CHECK_FALSE(first.done);
    CHECK(first.error_event);
  });
}

TEST_CASE("integrity: 101 Switching Protocols is a protocol error, and the pool recovers") {
  Scenario scenario{[](const RawRequest&) {
    return RawReply{{"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"}, false};
  }};
  for_each_setup(scenario, [](Run& run, const ClientAnswer& first, bool, int workers) {
    CHECK(first.status == 502);
    if (workers == 1) CHECK(protocol_errors(run.gateway) >= 1);
  });
}
