// Canary secrets: a provider key and a client key are planted, every failure
// path is driven (each upstream error kind, hostile upstreams that echo the
// credentials back in errors, malformed answers and stream events, bad
// requests, reloads with broken configs), and then the log (stderr, which
// holds the access log), the usage log, /metrics, /v1/route, /v1/models and
// every response must hold neither key, not even in part.
#include <csignal>

#include "tests/integration/provider_fixtures.hpp"
#include "tests/integration/routing_support.hpp"

using namespace itest;
namespace json = boost::json;

namespace {

// Neither starts with "sk-", so no pattern-based redaction can hide a leak.
constexpr std::string_view kCanaryProviderKey = "pk-canary-9d1e5b7c3a4f8e26";
constexpr std::string_view kCanaryClientKey = "cl-canary-4b8f2e6a1c9d7350";

// Every 10-byte piece of a key: finds a key cut short by truncation too.
bool holds_part_of(std::string_view text, std::string_view key) {
  constexpr std::size_t kPiece = 10;
  for (std::size_t at = 0; at + kPiece <= key.size(); ++at) {
    if (text.find(key.substr(at, kPiece)) != std::string_view::npos) return true;
  }
  return false;
}

void check_clean(std::string_view what, std::string_view text) {
  INFO(what << ": " << text);
  CHECK_FALSE(holds_part_of(text, kCanaryProviderKey));
  CHECK_FALSE(holds_part_of(text, kCanaryClientKey));
}

void check_clean(std::string_view what, const HttpResponse& res) {
  check_clean(what, res.body);
  for (const auto& [name, value] : res.headers) check_clean(what, name + ": " + value);
}

// All that the upstream got from us, credentials included, in one string.
std::string echo_of(const RecordedRequest& request) {
  std::string echo = "authorization=" + request.header("authorization") +
                     " x-api-key=" + request.header("x-api-key") + " body=" + request.body;
  return echo;
}

bool is_anthropic(const RecordedRequest& request) {
  return request.target.ends_with("/messages");
}

// An error body in the upstream's own dialect carrying `message`.
std::string error_in_dialect(const RecordedRequest& request, const std::string& message) {
  if (is_anthropic(request)) {
    return json::serialize(json::object{
        {"type", "error"},
        {"error", json::object{{"type", "invalid_request_error"}, {"message", message}}}});
  }
  return openai_error(message, "invalid_request_error", "echo");
}

Handler echo_status(int status, std::size_t padding = 0) {
  return [status, padding](const RecordedRequest& request) {
    std::string message = std::string(padding, 'x') + "you sent " + echo_of(request);
    return Response::json(error_in_dialect(request, message), status,
                          {{"x-echo", request.header("authorization")}});
  };
}

Handler echo_body(std::function<std::string(const std::string& echo)> body) {
  return [body](const RecordedRequest& request) { return Response::json(body(echo_of(request))); };
}

Handler echo_stream(std::function<std::string(const std::string& echo)> bad_event) {
  return [bad_event](const RecordedRequest& request) {
    SseScript script;
    if (is_anthropic(request)) {
      script.events = anthropic_stream_events("m", {"Hel"});
      script.events.resize(3);
    } else {
      script.events = openai_stream_events("m", {"Hel"}, {}, true);
      script.events.resize(2);
    }
    script.events.push_back(bad_event(echo_of(request)));
    return Response::stream(std::move(script));
  };
}

// A well-formed answer whose text is what we sent.
Handler echo_answer() {
  return [](const RecordedRequest& request) {
    std::string echo = echo_of(request);
    SseScript script;
    if (is_anthropic(request)) {
      if (!wants_stream(request)) return Response::json(anthropic_message("m", echo));
      script.events = anthropic_stream_events("m", {"Hel", echo});
    } else {
      if (!wants_stream(request)) return Response::json(openai_completion("m", echo));
      script.events = openai_stream_events("m", {"Hel", echo}, {}, true);
    }
    return Response::stream(std::move(script));
  };
}

std::string json_string(const std::string& text) {
  return json::serialize(json::string(text));
}

// Upstreams that misbehave, each echoing what we sent them.
std::vector<std::pair<std::string, Handler>> hostile_upstreams() {
  std::vector<std::pair<std::string, Handler>> out;
  for (int status : {400, 401, 403, 404, 408, 422, 500, 502, 503, 529}) {
    out.emplace_back("HTTP " + std::to_string(status), echo_status(status));
  }
  // The key straddles the point where upstream messages are cut short.
  for (std::size_t padding : {250, 270, 285, 295}) {
    out.emplace_back("long message " + std::to_string(padding), echo_status(500, padding));
  }
  out.emplace_back("non-JSON answer", echo_body([](const std::string& e) { return "<h1>" + e; }));
  out.emplace_back("error in a 200", echo_body([](const std::string& e) {
                     return R"({"type":"error","error":{"type":"api_error","message":)" +
                            json_string(e) + "}}";
                   }));
  out.emplace_back("answer of the wrong shape", echo_body([](const std::string& e) {
                     return R"({"object":"chat.completion","type":"message","note":)" +
                            json_string(e) + "}";
                   }));
  out.emplace_back("error event in the stream", echo_stream([](const std::string& e) {
                     return "event: error\ndata: " +
                            json::serialize(json::object{
                                {"type", "error"},
                                {"error", json::object{{"type", "api_error"}, {"message", e}}}}) +
                            "\n\n";
                   }));
  out.emplace_back("non-JSON stream event",
                   echo_stream([](const std::string& e) { return "data: " + e + "\n\n"; }));
  // Last: a 429 cools the endpoint down.
  out.emplace_back("HTTP 429", echo_status(429));
  return out;
}

// fake-echo (OpenAI-compatible) and fake-anth (Anthropic) point at hostile
// fakes; fake-refused at a closed port; fake-tls speaks TLS to a plain HTTP
// server; fake-silent never answers. One model per provider.
std::string canary_config(const FakeUpstream& echo, const FakeUpstream& anthropic,
                          const FakeUpstream& silent) {
  ConfigSpec spec;
  spec.log_level = "debug";
  auto add = [&spec](std::string name, std::string kind, std::string url) {
    ProviderSpec provider;
    provider.name = name;
    provider.kind = std::move(kind);
    provider.base_url = std::move(url);
    spec.providers.push_back(provider);
    ModelSpec model;
    model.id = "canary/" + name;
    model.endpoints[0].provider = name;
    spec.models.push_back(model);
  };
  spec.models.clear();
  add("fake-echo", "openai", echo.base_url());
  add("fake-anth", "anthropic", anthropic.base_url());
  add("fake-refused", "openai", "http://127.0.0.1:" + std::to_string(closed_port()) + "/v1");
  add("fake-tls", "openai", "https://127.0.0.1:" + std::to_string(echo.port()) + "/v1");
  add("fake-silent", "openai", silent.base_url());
  std::string yaml = render_config(spec);
  // Every failure reaches the client: no circuit opens in the middle.
  yaml.insert(yaml.find("  limits:"), "  routing: { breaker_failures: 1000 }\n");
  return yaml +
         "keys:\n  - name: canary-team\n    key_sha256: " + routing::sha256_hex(kCanaryClientKey) +
         "\n";
}

// Reloads with broken configs, a key pasted where a name or a hash belongs,
// each logged as a failed reload; the good config is put back.
void reload_with_broken_configs(const GatewayProcess& gateway) {
  std::string good = read_file(gateway.config_path());
  std::size_t failures = 0;
  auto count_failures = [&] {
    std::string log = gateway.log_text();
    std::size_t n = 0;
    for (auto at = log.find("config reload failed"); at != std::string::npos;
         at = log.find("config reload failed", at + 1))
      ++n;
    return n;
  };
  std::string env_line = "api_key_env: " + std::string(kProviderKeyEnv);
  std::string pasted_key = good;
  pasted_key.replace(pasted_key.find(env_line), env_line.size(),
                     "api_key_env: " + std::string(kCanaryProviderKey));
  std::string pasted_token = good;
  std::string hash = routing::sha256_hex(kCanaryClientKey);
  pasted_token.replace(pasted_token.find(hash), hash.size(), std::string(kCanaryClientKey));
  std::string broken_yaml = good + "  - name: \"" + std::string(kCanaryClientKey) + "\n  [";
  for (const std::string& bad : {pasted_key, pasted_token, broken_yaml}) {
    gateway.write_config(bad);
    gateway.send_signal(SIGHUP);
    ++failures;
    CHECK(wait_until([&] { return count_failures() >= failures; }, 5s));
  }
  gateway.write_config(good);
}

// The usage log, once it holds `records`, and stderr (with the access log).
void check_logs_clean(const GatewayProcess& gateway, std::size_t records) {
  CHECK(wait_until([&] { return read_lines(gateway.usage_log_path()).size() >= records; }, 5s));
  check_clean("usage log", read_file(gateway.usage_log_path()));
  std::string log = gateway.log_text();
  CHECK(log.find("\"path\":\"/v1/chat/completions\"") != std::string::npos);  // the access log
  check_clean("stderr and access log", log);
}

}  // namespace

TEST_SUITE("secrets") {
  TEST_CASE("canary keys appear nowhere, whatever fails") {
    FakeUpstream echo(openai_handler());
    FakeUpstream anthropic(anthropic_handler());
    FakeUpstream silent([](const RecordedRequest&) { return Response::silence(); });
    GatewayOptions options;
    options.env = {{kProviderKeyEnv, std::string(kCanaryProviderKey)}};
    GatewayProcess gateway(canary_config(echo, anthropic, silent), options);
    std::vector<std::pair<std::string, HttpResponse>> seen;
    auto fresh = [&] { return TestClient(gateway.port()); };
    auto remember = [&](std::string label, HttpResponse res) {
      seen.emplace_back(std::move(label), std::move(res));
    };
    auto bearer = routing::bearer(kCanaryClientKey);

    // Answers that work: the keys reach the upstreams and nothing else.
    for (const char* model : {"canary/fake-echo", "canary/fake-anth"}) {
      auto client = fresh();
      auto ok = client.post("/v1/chat/completions", chat_body(model), bearer);
      CHECK(ok.status == 200);
      remember(std::string(model) + " ok", ok);
    }
    REQUIRE(echo.last_request().has_value());
    CHECK(echo.last_request()->header("authorization") ==
          "Bearer " + std::string(kCanaryProviderKey));
    CHECK(anthropic.last_request()->header("x-api-key") == kCanaryProviderKey);

    // An answer that echoes the key back as its text.
    echo.set_handler(echo_answer());
    anthropic.set_handler(echo_answer());
    for (const char* model : {"canary/fake-echo", "canary/fake-anth"}) {
      auto client = fresh();
      auto whole = client.post("/v1/chat/completions", chat_body(model), bearer);
      CHECK(whole.status == 200);
      CHECK(whole.body.find("[redacted]") != std::string::npos);
      remember(std::string(model) + " echoing answer", whole);
      auto read = read_sse(client, "/v1/chat/completions", chat_body(model, true), bearer);
      CHECK(read.complete);
      HttpResponse res = read.head;
      res.body = client.streamed_body();
      remember(std::string(model) + " echoing answer (stream)", res);
    }

    // Every hostile upstream, both dialects, whole and streamed.
    for (const auto& [name, handler] : hostile_upstreams()) {
      echo.set_handler(handler);
      anthropic.set_handler(handler);
      for (const char* model : {"canary/fake-echo", "canary/fake-anth"}) {
        std::string label = name + " via " + model;
        auto client = fresh();
        auto whole = client.post("/v1/chat/completions", chat_body(model), bearer);
        CHECK_MESSAGE(whole.status >= 400, label);
        remember(label, whole);
        auto streamed = fresh();
        auto read =
            read_sse(streamed, "/v1/chat/completions", chat_body(model, true, true), bearer);
        HttpResponse res = read.head;
        res.body = streamed.streamed_body();
        remember(label + " (stream)", res);
      }
    }

    // Transport failures: refused, TLS, timeout.
    for (const char* model : {"canary/fake-refused", "canary/fake-tls", "canary/fake-silent"}) {
      auto client = fresh();
      auto res = client.post("/v1/chat/completions", chat_body(model), bearer);
      CHECK_MESSAGE(res.status >= 500, model);
      remember(model, res);
      auto streamed = fresh();
      auto read = read_sse(streamed, "/v1/chat/completions", chat_body(model, true), bearer);
      remember(std::string(model) + " (stream)", read.head);
    }

    // Bad requests, a missing key and a wrong one.
    {
      auto client = fresh();
      remember("no key", client.post("/v1/chat/completions", chat_body("canary/fake-echo")));
      remember("wrong key", client.post("/v1/chat/completions", chat_body("canary/fake-echo"),
                                        routing::bearer(std::string(kCanaryClientKey) + "x")));
      remember("bad json", client.post("/v1/chat/completions", "{\"model\":", bearer));
      remember("bad field", client.post("/v1/chat/completions",
                                        R"({"model":"canary/fake-echo","messages":3})", bearer));
      remember("unknown model", client.post("/v1/chat/completions", chat_body("x/y"), bearer));
      remember("bad messages", client.post("/v1/messages", "{\"model\":1}", bearer));
      remember("wrong method", client.request("DELETE", "/v1/models", {}, bearer));
    }

    reload_with_broken_configs(gateway);

    // What the gateway shows about itself.
    {
      auto client = fresh();
      for (const char* route : {"/v1/models", "/metrics", "/v1/stats/share", "/readyz", "/healthz"})
        remember(route, client.request("GET", route, {}, bearer));
      for (const char* model : {"canary/fake-echo", "canary/fake-anth", "canary/fake-refused"})
        remember("route", client.post("/v1/route", chat_body(model), bearer));
    }

    for (const auto& [label, res] : seen) check_clean(label, res);
    // The client key is ours alone: no upstream ever sees it.
    for (const FakeUpstream* fake : {&echo, &anthropic, &silent}) {
      for (const auto& request : fake->requests()) {
        std::string all = request.body;
        for (const auto& [name, value] : request.headers) all += name + ": " + value + "\n";
        INFO("upstream got: " << all);
        CHECK_FALSE(holds_part_of(all, kCanaryClientKey));
      }
    }
    // Every authenticated chat request has its record by now or soon.
    std::size_t chats = 2 + 4 + hostile_upstreams().size() * 4 + 3 * 2 + 3;
    check_logs_clean(gateway, chats);
  }
}
