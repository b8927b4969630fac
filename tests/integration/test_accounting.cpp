// Accounting end to end: a mixed batch through the real gateway (three
// origins on separate fake providers, streamed and not, a fallback, an
// upstream failure, a client disconnect, a policy denial, a bad request),
// then the usage log, /metrics and /v1/stats/share must agree with each other
// and with the usage numbers the fakes reported, to the token and picodollar.
#include <boost/json.hpp>
#include <cmath>
#include <set>

#include <algorithm>
#include <sstream>

#include "gateway/cli/usage_report.hpp"
#include "tests/integration/accounting_support.hpp"
#include "tests/integration/prom_text.hpp"
#include "tests/integration/stack.hpp"

using namespace itest;
using namespace itest::acct;
namespace json = boost::json;

namespace {

constexpr const char* kOpenToken = "sk-sy-open-7f3a";
constexpr const char* kNoCnToken = "sk-sy-nocn-91c2";

// What each fake reports as usage, and the prices of the serving endpoints.
constexpr TokenUsage kCnUsage{11, 7};
constexpr TokenUsage kUsUsage{13, 17};
constexpr TokenUsage kFrUsage{19, 23};
const char* const kCnPrice[] = {"0.123456", "0.654321"};
const char* const kCnFallbackPrice[] = {"0.2", "0.3"};
const char* const kUsPrice[] = {"3", "15"};
const char* const kFrPrice[] = {"0.25", "0.75"};

std::int64_t cost(TokenUsage usage, const char* const price[2]) {
  return usage.prompt * picousd_per_token(price[0]) +
         usage.completion * picousd_per_token(price[1]);
}

Headers bearer(const char* token) {
  return {{"Authorization", std::string("Bearer ") + token}};
}

// The FR fake answers normally, except that a message saying "slow" gets a
// long, slow stream that never carries usage (to be cut by the client).
Handler fr_handler() {
  Handler normal = openai_handler({.pieces = {"Bon", "jour"}, .usage = kFrUsage});
  return [normal](const RecordedRequest& request) {
    if (request.body.find("slow") == std::string::npos) return normal(request);
    SseScript script;
    script.events =
        openai_stream_events("mistral-up", std::vector<std::string>(60, "mot "), {}, false);
    script.delay = 40ms;
    return Response::stream(std::move(script));
  };
}

// Four fakes and a gateway with two keys, one restricted by a no-CN policy.
struct World {
  FakeUpstream cn{openai_handler({.pieces = {"Ni", "hao"}, .usage = kCnUsage})};
  FakeUpstream us{anthropic_handler({.pieces = {"Hi", " there"}, .usage = kUsUsage})};
  FakeUpstream fr{fr_handler()};
  FakeUpstream flaky{[](const RecordedRequest&) {
    return Response::json(openai_error("upstream exploded", "server_error", "internal"), 500);
  }};
  GatewayProcess gateway{config()};

  std::string config() const {
    ConfigSpec spec;
    spec.providers = {provider("cn-local", "openai", cn, "local", "on-prem"),
                      provider("us-remote", "anthropic", us, "remote", "US"),
                      provider("fr-remote", "openai", fr, "remote", "FR"),
                      provider("flaky", "openai", flaky, "remote", "CN")};
    // The flaky endpoint is the cheapest, so the fallback model tries it first.
    const char* const cheap[] = {"0.01", "0.01"};
    spec.models = {
        model("qwen/qwen-test", "qwen", "CN", "open", {endpoint("cn-local", "qwen-up", kCnPrice)}),
        model("qwen/qwen-fallback", "qwen", "CN", "open",
              {endpoint("flaky", "qwen-flaky-up", cheap),
               endpoint("cn-local", "qwen-fb-up", kCnFallbackPrice)}),
        model("deepseek/ds-broken", "deepseek", "CN", "open", {endpoint("flaky", "ds-up", cheap)}),
        model("anthropic/claude-test", "claude", "US", "closed",
              {endpoint("us-remote", "claude-up", kUsPrice)}),
        model("mistral/mistral-test", "mistral", "FR", "open",
              {endpoint("fr-remote", "mistral-up", kFrPrice)})};
    return render_with_keys(spec, {{"no-cn", "deny: [ { origin: CN } ]"}},
                            {{"team-open", kOpenToken, ""}, {"team-nocn", kNoCnToken, "no-cn"}});
  }
};

// What the test expects of one request's record.
struct Expected {
  std::string what;  // for failure messages
  std::string request_id;
  int status = 200;
  std::string outcome = "ok";
  std::string origin;  // "" when no endpoint was reached
  std::string key = "team-open";
  std::optional<TokenUsage> usage;  // nullopt: estimated by the gateway
  std::int64_t cost_picousd = 0;    // when usage is known
  std::size_t attempts = 1;
  std::optional<double> client_cost;  // usage.cost the client saw
  std::string cost_header;            // x-switchyard-cost-usd
};

struct StreamRead {
  HttpResponse head;
  std::vector<SseEvent> events;
  bool done = false;                       // saw data: [DONE]
  std::vector<json::object> usage_chunks;  // chunks whose usage is an object
};

StreamRead read_stream(TestClient& client) {
  StreamRead read;
  read.head = client.read_response_head();
  while (auto event = client.next_event()) {
    if (event->data == "[DONE]") {
      read.done = true;
    } else {
      json::value chunk = json::parse(event->data);
      const json::value* usage = chunk.as_object().if_contains("usage");
      if (usage && usage->is_object()) read.usage_chunks.push_back(chunk.as_object());
    }
    read.events.push_back(std::move(*event));
  }
  return read;
}

double usage_cost(const json::object& holder) {
  return holder.at("usage").at("cost").to_number<double>();
}

// Raw log lines by request id (for cost_usd, which UsageRecord does not keep).
std::map<std::string, json::object> raw_lines(const std::string& path) {
  std::map<std::string, json::object> by_id;
  for (const auto& line : read_lines(path)) {
    json::object object = json::parse(line).as_object();
    by_id[std::string(object.at("request_id").as_string())] = object;
  }
  return by_id;
}

}  // namespace

TEST_SUITE("accounting") {
  TEST_CASE("a mixed batch: usage log, /metrics and the share route agree to the picodollar") {
    World world;
    const std::uint16_t port = world.gateway.port();
    std::vector<Expected> sent;
    TestClient client(port);

    auto non_stream = [&](std::string what, std::string model_id, TokenUsage usage,
                          const char* const price[2], std::string origin) {
      auto res = client.post("/v1/chat/completions", chat_body(model_id), bearer(kOpenToken));
      INFO(what << ": " << res.body);
      REQUIRE(res.status == 200);
      Expected e{what, res.header("x-request-id"), 200, "ok", origin};
      e.usage = usage;
      e.cost_picousd = cost(usage, price);
      e.client_cost = usage_cost(res.json().as_object());
      e.cost_header = res.header("x-switchyard-cost-usd");
      CHECK(res.json().at("usage").at("prompt_tokens") == usage.prompt);
      CHECK(res.json().at("usage").at("completion_tokens") == usage.completion);
      sent.push_back(e);
    };
    auto streamed = [&](std::string what, std::string model_id, bool include_usage,
                        TokenUsage usage, const char* const price[2], std::string origin) {
      client.send_request("POST", "/v1/chat/completions", chat_body(model_id, true, include_usage),
                          bearer(kOpenToken));
      StreamRead read = read_stream(client);
      INFO(what);
      REQUIRE(read.head.status == 200);
      CHECK(client.body_complete());
      CHECK(read.done);
      Expected e{what, read.head.header("x-request-id"), 200, "ok", origin};
      e.usage = usage;
      e.cost_picousd = cost(usage, price);
      if (include_usage) {
        // Exactly one usage chunk, the gateway's, carrying the cost.
        REQUIRE(read.usage_chunks.size() == 1);
        const json::object& chunk = read.usage_chunks.front();
        CHECK(chunk.at("choices").as_array().empty());
        CHECK(chunk.at("usage").at("prompt_tokens") == usage.prompt);
        CHECK(chunk.at("usage").at("completion_tokens") == usage.completion);
        e.client_cost = usage_cost(chunk);
      } else {
        CHECK(read.usage_chunks.empty());  // not asked for: not sent
      }
      sent.push_back(e);
    };

    non_stream("CN non-stream", "qwen/qwen-test", kCnUsage, kCnPrice, "CN");
    streamed("CN stream with usage", "qwen/qwen-test", true, kCnUsage, kCnPrice, "CN");
    non_stream("US non-stream (Anthropic upstream)", "anthropic/claude-test", kUsUsage, kUsPrice,
               "US");
    streamed("US stream with usage (Anthropic upstream)", "anthropic/claude-test", true, kUsUsage,
             kUsPrice, "US");
    non_stream("FR non-stream", "mistral/mistral-test", kFrUsage, kFrPrice, "FR");
    streamed("FR stream without usage", "mistral/mistral-test", false, kFrUsage, kFrPrice, "FR");

    {  // fallback: flaky answers 500, cn-local serves at its own price
      const std::size_t flaky_before = world.flaky.hits();
      auto res =
          client.post("/v1/chat/completions", chat_body("qwen/qwen-fallback"), bearer(kOpenToken));
      REQUIRE(res.status == 200);
      CHECK(res.header("x-switchyard-attempts") == "2");
      CHECK(res.header("x-switchyard-provider") == "cn-local");
      CHECK(world.flaky.hits() == flaky_before + 1);
      Expected e{"fallback", res.header("x-request-id"), 200, "ok", "CN"};
      e.usage = kCnUsage;
      e.cost_picousd = cost(kCnUsage, kCnFallbackPrice);
      e.attempts = 2;
      e.client_cost = usage_cost(res.json().as_object());
      e.cost_header = res.header("x-switchyard-cost-usd");
      sent.push_back(e);
    }
    {  // the only endpoint fails: 502, nothing billed
      auto res =
          client.post("/v1/chat/completions", chat_body("deepseek/ds-broken"), bearer(kOpenToken));
      check_error(res, 502, "");
      Expected e{"upstream error", res.header("x-request-id"), 502, "upstream_error", "CN"};
      e.usage = TokenUsage{0, 0};
      sent.push_back(e);
    }
    {  // the client leaves mid-stream; the FR fake never sends usage
      const std::size_t cut_before = world.fr.streams_cut_by_peer();
      TestClient leaving(port);
      leaving.send_request("POST", "/v1/chat/completions",
                           chat_body_saying("mistral/mistral-test", "slow please", true, true),
                           bearer(kOpenToken));
      auto head = leaving.read_response_head();
      REQUIRE(head.status == 200);
      for (int i = 0; i < 4; ++i) REQUIRE(leaving.next_event().has_value());
      leaving.close();
      Expected e{"client disconnect", head.header("x-request-id"), 200, "client_disconnect", "FR"};
      sent.push_back(e);
      // The gateway cancels the upstream stream rather than reading it out.
      CHECK(wait_until([&] { return world.fr.streams_cut_by_peer() > cut_before; }, 3s));
    }
    {  // the restricted key may not reach a CN model
      auto res =
          client.post("/v1/chat/completions", chat_body("qwen/qwen-test"), bearer(kNoCnToken));
      auto error = check_error(res, 403, "");
      CHECK(str(error.at("message")).find("no-cn") != std::string::npos);
      Expected e{"policy denial", res.header("x-request-id"), 403, "denied", ""};
      e.key = "team-nocn";
      e.usage = TokenUsage{0, 0};
      e.attempts = 0;
      sent.push_back(e);
    }
    // The same key may reach a US model.
    {
      auto res = client.post("/v1/chat/completions", chat_body("anthropic/claude-test"),
                             bearer(kNoCnToken));
      REQUIRE(res.status == 200);
      Expected e{"restricted key, allowed", res.header("x-request-id"), 200, "ok", "US"};
      e.key = "team-nocn";
      e.usage = kUsUsage;
      e.cost_picousd = cost(kUsUsage, kUsPrice);
      e.client_cost = usage_cost(res.json().as_object());
      e.cost_header = res.header("x-switchyard-cost-usd");
      sent.push_back(e);
    }
    {  // authenticated, but the body is not a chat request
      auto res =
          client.post("/v1/chat/completions",
                      R"({"model":"qwen/qwen-test","messages":"not a list"})", bearer(kOpenToken));
      check_error(res, 400, "");
      Expected e{"bad request", res.header("x-request-id"), 400, "bad_request", ""};
      e.usage = TokenUsage{0, 0};
      e.attempts = 0;
      sent.push_back(e);
    }

    // ---- the usage log: exactly one whole line per request ----
    const std::string log_path = world.gateway.usage_log_path();
    REQUIRE(wait_until([&] { return read_lines(log_path).size() >= sent.size(); }, 5s));
    UsageLog log = read_usage_log(log_path);
    CHECK(log.bad_lines.empty());
    REQUIRE(log.lines == sent.size());
    std::map<std::string, switchyard::UsageRecord> by_id;
    for (const auto& r : log.records) CHECK(by_id.emplace(r.request_id, r).second);
    auto raw = raw_lines(log_path);

    for (const Expected& e : sent) {
      INFO("request: " << e.what << " id " << e.request_id);
      REQUIRE_FALSE(e.request_id.empty());
      REQUIRE(by_id.contains(e.request_id));
      const switchyard::UsageRecord& r = by_id.at(e.request_id);
      const json::object& line = raw.at(e.request_id);
      CHECK(r.status == e.status);
      CHECK(r.outcome == e.outcome);
      CHECK(r.key_name == e.key);
      CHECK(r.attempts.size() == e.attempts);
      CHECK(r.origin == (e.origin.empty() ? "other" : e.origin));
      CHECK(r.provider.empty() == e.origin.empty());
      // cost_usd is the exact decimal of cost_picousd.
      CHECK(usd_to_picousd(line.at("cost_usd").as_string()) == r.cost);
      if (e.usage) {
        CHECK(r.prompt_tokens == e.usage->prompt);
        CHECK(r.completion_tokens == e.usage->completion);
        CHECK_FALSE(r.usage_estimated);
        CHECK(r.cost == e.cost_picousd);
      }
      if (e.client_cost) {
        CHECK(std::abs(*e.client_cost - static_cast<double>(r.cost) / 1e12) < 1e-15);
      }
      if (!e.cost_header.empty()) CHECK(e.cost_header == str(line.at("cost_usd")));
    }

    auto find = [&](std::string_view what) -> const switchyard::UsageRecord& {
      for (const Expected& e : sent)
        if (e.what == what) return by_id.at(e.request_id);
      throw std::logic_error("no such request");
    };
    {
      const auto& r = find("fallback");
      REQUIRE(r.attempts.size() == 2);
      CHECK(r.attempts[0].provider == "flaky");
      CHECK(r.attempts[0].outcome == "server_error");
      CHECK(r.attempts[0].status == 500);
      CHECK(r.attempts[1].provider == "cn-local");
      CHECK(r.attempts[1].outcome == "ok");
      CHECK(r.attempts[1].status == 200);
      CHECK(r.provider == "cn-local");
      CHECK(r.upstream_model == "qwen-fb-up");
    }
    {
      const auto& r = find("upstream error");
      REQUIRE(r.attempts.size() == 1);
      CHECK(r.attempts[0].outcome == "server_error");
      CHECK(r.provider == "flaky");
    }
    {
      const auto& r = find("client disconnect");
      CHECK(r.usage_estimated);
      CHECK(r.completion_tokens > 0);
      CHECK(r.prompt_tokens > 0);
      CHECK(r.cost == r.prompt_tokens * picousd_per_token(kFrPrice[0]) +
                          r.completion_tokens * picousd_per_token(kFrPrice[1]));
    }
    {
      const auto& r = find("policy denial");
      CHECK(r.denied_by == "no-cn");
      CHECK(r.cost == 0);
      CHECK_FALSE(r.policy_decisions.empty());
    }
    CHECK(find("restricted key, allowed").denied_by.empty());

    // ---- /metrics agrees with the log, origin by origin ----
    const auto log_totals = totals_by_origin(log.records, false);
    std::string exposition;
    // The counters are updated right after the line is written: poll for them.
    REQUIRE(wait_until(
        [&] {
          auto res = try_get(port, "/metrics", bearer(kOpenToken));
          if (!res || res->status != 200) return false;
          exposition = res->body;
          double n = 0;
          for (const auto& [origin, v] :
               sum_by_label(exposition, "switchyard_requests_total", "origin"))
            n += v;
          return n == static_cast<double>(sent.size());
        },
        5s));
    const auto requests = sum_by_label(exposition, "switchyard_requests_total", "origin");
    const auto prompt = sum_by_label(exposition, "switchyard_prompt_tokens_total", "origin");
    const auto completion =
        sum_by_label(exposition, "switchyard_completion_tokens_total", "origin");
    const auto spend = sum_by_label(exposition, "switchyard_cost_usd_total", "origin");
    CHECK(requests.size() == log_totals.size());
    for (const auto& [origin_key, t] : log_totals) {
      // (A plain name: clang 14 cannot capture a structured binding in INFO.)
      const std::string& origin = origin_key;
      INFO("origin " << origin);
      CHECK(requests.contains(origin));
      CHECK(requests.count(origin) ? requests.at(origin) == t.requests : false);
      CHECK((prompt.count(origin) ? prompt.at(origin) : 0.0) == t.prompt);
      CHECK((completion.count(origin) ? completion.at(origin) : 0.0) == t.completion);
      const double usd = spend.count(origin) ? spend.at(origin) : 0.0;
      CHECK(std::abs(usd - static_cast<double>(t.cost_picousd) / 1e12) < 1e-12);
    }
    // Denied and bad requests reached no endpoint: their origin is "other".
    REQUIRE(log_totals.contains("other"));
    CHECK(log_totals.at("other").requests == 2);
    CHECK(log_totals.at("other").cost_picousd == 0);
    CHECK(sum_by_label(exposition, "switchyard_fallbacks_total", "provider")["flaky"] == 1);
    CHECK(sum_by_label(exposition, "switchyard_policy_denials_total", "policy")["no-cn"] == 1);

    // The log against the fakes' own numbers, origin by origin: CN had two
    // qwen requests plus the fallback, US three, FR two plus the estimate.
    CHECK(log_totals.at("CN").prompt == 3 * kCnUsage.prompt);
    CHECK(log_totals.at("CN").completion == 3 * kCnUsage.completion);
    CHECK(log_totals.at("CN").cost_picousd ==
          2 * cost(kCnUsage, kCnPrice) + cost(kCnUsage, kCnFallbackPrice));
    CHECK(log_totals.at("US").prompt == 3 * kUsUsage.prompt);
    CHECK(log_totals.at("US").cost_picousd == 3 * cost(kUsUsage, kUsPrice));
    const auto& cut = find("client disconnect");
    CHECK(log_totals.at("FR").completion == 2 * kFrUsage.completion + cut.completion_tokens);
    CHECK(log_totals.at("FR").cost_picousd == 2 * cost(kFrUsage, kFrPrice) + cut.cost);

    // ---- /v1/stats/share agrees with the log (records that reached an endpoint) ----
    const auto reached = totals_by_origin(log.records, true);
    CHECK_FALSE(reached.contains("other"));
    for (const char* metric : {"tokens", "requests", "cost"}) {
      INFO("metric " << metric);
      const std::string target = std::string("/v1/stats/share?by=origin&metric=") + metric;
      CHECK(TestClient(port).get(target).status == 401);  // the route needs a key
      auto res = TestClient(port).request("GET", target, {}, bearer(kOpenToken));
      REQUIRE(res.status == 200);
      ShareAnswer share;
      std::string error;
      REQUIRE_MESSAGE(parse_share(res.body, std::string_view(metric) == "cost", share, error),
                      error);
      std::int64_t total = 0;
      for (const auto& [origin_key, t] : reached) {
        const std::string& origin = origin_key;
        std::int64_t expected = std::string_view(metric) == "tokens"     ? t.prompt + t.completion
                                : std::string_view(metric) == "requests" ? t.requests
                                                                         : t.cost_picousd;
        total += expected;
        INFO("origin " << origin);
        CHECK(share.values[origin] == expected);
      }
      CHECK(share.values.size() == reached.size());
      CHECK(share.total == total);
      for (const auto& [origin, value] : share.values) {
        CHECK(std::abs(share.shares[origin] -
                       static_cast<double>(value) / static_cast<double>(total)) < 1e-12);
      }
    }

    // ---- one definition of share: /v1/stats/share, `switchyard usage` and the
    // Prometheus rules' selector (provider!="none") count the requests that
    // reached a model; the others are "failed before routing", never an origin.
    const auto unrouted = static_cast<std::int64_t>(std::count_if(
        log.records.begin(), log.records.end(), [](const auto& r) { return r.provider.empty(); }));
    REQUIRE(unrouted == 2);
    // The three keyless share queries above were rejected (401): each left an
    // `unauthorized` record, which never reached a model either.
    const std::int64_t rejected = 3;
    {
      auto res = TestClient(port).request("GET", "/v1/stats/share?by=origin&metric=requests", {},
                                          bearer(kOpenToken));
      REQUIRE(res.status == 200);
      const auto body = boost::json::parse(res.body).as_object();
      CHECK(body.at("failed_before_routing").at("requests").as_int64() == unrouted + rejected);
    }
    {
      std::vector<std::string> args = {"usage", "--log", log_path, "--format", "json"};
      std::vector<char*> argv;
      for (auto& arg : args) argv.push_back(arg.data());
      std::ostringstream out, err;
      REQUIRE(switchyard::run_usage_report(static_cast<int>(argv.size()), argv.data(), out, err) ==
              0);
      const auto report = boost::json::parse(out.str()).as_object();
      CHECK(report.at("failed_before_routing").at("requests").as_int64() == unrouted + rejected);
      CHECK(report.at("total").at("requests").as_int64() ==
            static_cast<std::int64_t>(sent.size()) - unrouted);
      const auto& groups = report.at("groups").as_array();
      CHECK(groups.size() == reached.size());
      for (const auto& entry : groups) {
        const std::string name(entry.at("name").as_string());
        INFO("usage group " << name);
        REQUIRE(reached.contains(name));
        CHECK(entry.at("requests").as_int64() == reached.at(name).requests);
      }
    }
    {
      std::map<std::string, double> routed;
      double before_routing = 0;
      for (const auto& sample : parse_prometheus(exposition)) {
        if (sample.name != "switchyard_requests_total") continue;
        std::string provider, origin;
        for (const auto& [name, value] : sample.labels) {
          if (name == "provider") provider = value;
          if (name == "origin") origin = value;
        }
        if (provider == "none")
          before_routing += sample.value;
        else
          routed[origin] += sample.value;
      }
      CHECK(before_routing == static_cast<double>(unrouted));
      CHECK(routed.size() == reached.size());
      for (const auto& [origin_key, t] : reached) {
        const std::string& origin = origin_key;  // clang 14: INFO cannot capture a binding
        INFO("prometheus origin " << origin);
        CHECK(routed[origin] == static_cast<double>(t.requests));
      }
    }
  }

  TEST_CASE("a client disconnect mid-stream writes exactly one record with the partial usage") {
    SseScript script;
    script.events = openai_stream_events("alpha-upstream", std::vector<std::string>(80, "word "),
                                         {}, false);  // never any usage
    script.delay = 30ms;
    Handler normal = openai_handler();
    Stack stack([script, normal](const RecordedRequest& request) {
      return wants_stream(request) ? Response::stream(script) : normal(request);
    });
    std::string request_id;
    {
      auto client = stack.client();
      client.send_request("POST", "/v1/chat/completions", chat_body("test/alpha", true, true));
      auto head = client.read_response_head();
      REQUIRE(head.status == 200);
      request_id = head.header("x-request-id");
      for (int i = 0; i < 5; ++i) REQUIRE(client.next_event().has_value());
    }  // the client goes away here
    const std::string log_path = stack.gateway.usage_log_path();
    REQUIRE(wait_until([&] { return !read_lines(log_path).empty(); }, 5s));
    CHECK(wait_until([&] { return stack.upstream.streams_cut_by_peer() == 1; }, 3s));
    CHECK(stack.upstream.streams_completed() == 0);

    // A later request's record follows it: nothing else was written between.
    auto after = stack.client().post("/v1/chat/completions", chat_body());
    REQUIRE(after.status == 200);
    REQUIRE(wait_until([&] { return read_lines(log_path).size() >= 2; }, 5s));
    UsageLog log = read_usage_log(log_path);
    REQUIRE(log.bad_lines.empty());
    REQUIRE(log.records.size() == 2);
    const auto& r = log.records[0];
    CHECK(r.request_id == request_id);
    CHECK(log.records[1].request_id == after.header("x-request-id"));
    CHECK(r.outcome == "client_disconnect");
    CHECK(r.status == 200);  // the response had started
    CHECK(r.stream);
    CHECK(r.usage_estimated);
    CHECK(r.completion_tokens > 0);
    CHECK(r.prompt_tokens > 0);
    // Fewer tokens than the whole answer: the stream was cut, not drained.
    CHECK(r.completion_tokens < 80);
    CHECK(r.cost == r.prompt_tokens * picousd_per_token("1.5") +
                        r.completion_tokens * picousd_per_token("2"));
    REQUIRE(r.attempts.size() == 1);
    CHECK(r.attempts[0].outcome == "client_gone");
    CHECK(r.ttft_ms >= 0);

    // /metrics counted it once, under its outcome.
    auto metrics = stack.client().get("/metrics");
    CHECK(metric_sum(metrics.body, "switchyard_requests_total", {{"outcome", "client_disconnect"}})
              .sum == 1);
    CHECK(metric_sum(metrics.body, "switchyard_completion_tokens_total",
                     {{"outcome", "client_disconnect"}})
              .sum == static_cast<double>(r.completion_tokens));
    CHECK(metric_sum(metrics.body, "switchyard_usage_estimated_total").sum == 1);
  }
}
