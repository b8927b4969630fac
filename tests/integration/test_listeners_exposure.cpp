// The listeners belong to one process (a second gateway on the same port
// fails to start), no open relay by default, rejected keys are counted, the
// chat routes take vision-sized bodies, and a path without /v1 says where the
// API is.
#include <csignal>
#include <regex>

#include "tests/integration/accounting_support.hpp"
#include "tests/integration/prom_text.hpp"
#include "tests/integration/provider_fixtures.hpp"
#include "tests/integration/stack.hpp"

using namespace itest;
namespace json = boost::json;

namespace {

// A second gateway on `listen`; returns its exit code and log.
std::pair<std::optional<int>, std::string> start_second(const FakeUpstream& fake,
                                                        const std::string& listen,
                                                        const std::string& server_extra = {}) {
  ConfigSpec spec = basic_spec(fake.base_url());
  spec.server_extra = server_extra;
  GatewayOptions options;
  options.wait_ready = false;
  options.extra_args = {"--listen", listen};
  GatewayProcess second(render_config(spec), options);
  auto code = second.wait_exit(15s);
  return {code, second.log_text()};
}

std::uint16_t admin_port_of(const GatewayProcess& gateway) {
  std::smatch match;
  std::string log = gateway.log_text();
  static const std::regex kAdmin(R"(admin listener on 127\.0\.0\.1:(\d+))");
  if (!std::regex_search(log, match, kAdmin)) return 0;
  return static_cast<std::uint16_t>(std::stoi(match[1].str()));
}

// A vision request of about `bytes`: a base64 photo as a data URL, the way
// the OpenAI client sends a local image.
std::string sized_chat_body(std::size_t bytes) {
  std::string prefix = R"({"model":"test/alpha","messages":[{"role":"user","content":[)"
                       R"({"type":"text","text":"What is in this photo?"},)"
                       R"({"type":"image_url","image_url":{"url":"data:image/jpeg;base64,)";
  std::string suffix = R"("}}]}]})";
  return prefix + std::string(bytes - prefix.size() - suffix.size(), 'a') + suffix;
}

}  // namespace

TEST_SUITE("listeners and exposure") {
  TEST_CASE("a second gateway on the same port exits with address in use; the first serves all") {
    Stack first(openai_handler(), [](ConfigSpec& spec) { spec.workers = 2; });
    FakeUpstream other(openai_handler());
    auto [code, log] = start_second(other, "127.0.0.1:" + std::to_string(first.gateway.port()));
    REQUIRE(code.has_value());
    CHECK(*code != 0);
    CHECK(log.find("ddress already in use") != std::string::npos);
    for (int i = 0; i < 20; ++i) {
      auto client = first.client();  // a new connection each time
      CHECK(client.post("/v1/chat/completions", chat_body()).status == 200);
    }
    CHECK(first.upstream.hits() == 20);
    CHECK(other.hits() == 0);
  }

  TEST_CASE("a second gateway on the same admin port exits with address in use") {
    Stack first(openai_handler(),
                [](ConfigSpec& spec) { spec.server_extra = "  admin_listen: 127.0.0.1:0\n"; });
    std::uint16_t admin = 0;
    REQUIRE(wait_until([&] { return (admin = admin_port_of(first.gateway)) != 0; }, 5s));
    FakeUpstream other(openai_handler());
    auto [code, log] = start_second(other, "127.0.0.1:0",
                                    "  admin_listen: 127.0.0.1:" + std::to_string(admin) + "\n");
    REQUIRE(code.has_value());
    CHECK(*code != 0);
    CHECK(log.find("ddress already in use") != std::string::npos);
    TestClient client(admin);
    CHECK(client.get("/healthz").status == 200);
  }

  TEST_CASE("--listen accepts a host name such as localhost") {
    FakeUpstream fake(openai_handler());
    GatewayOptions options;
    options.extra_args = {"--listen", "localhost:0"};
    GatewayProcess gateway(basic_config(fake.base_url()), options);
    TestClient client(gateway.port());
    CHECK(client.post("/v1/chat/completions", chat_body()).status == 200);
  }

  TEST_CASE("no keys: a non-loopback listener needs allow_unauthenticated") {
    FakeUpstream fake(openai_handler());
    TempDir dir;
    ConfigSpec spec = basic_spec(fake.base_url());
    std::string open = dir.write("open.yaml", render_config(spec));
    EnvVars env{{kProviderKeyEnv, kProviderKey}};

    // --listen obeys the same rule as server.listen.
    RunResult refused = run_binary({"--config", open, "--listen", "0.0.0.0:0"}, env);
    CHECK(refused.exit_code == 2);
    CHECK(refused.all().find("server.allow_unauthenticated: true") != std::string::npos);
    RunResult checked = run_binary({"--config", open, "--listen", "0.0.0.0:0", "--check"}, env);
    CHECK(checked.exit_code != 0);

    spec.server_extra = "  allow_unauthenticated: true\n";
    std::string allowed = dir.write("allowed.yaml", render_config(spec));
    RunResult ok = run_binary({"--config", allowed, "--listen", "0.0.0.0:0", "--check"}, env);
    CHECK(ok.exit_code == 0);
    CHECK(ok.all().find("warning: server.allow_unauthenticated") != std::string::npos);

    // Keys make it fine without the flag.
    spec.server_extra.clear();
    std::string keyed =
        dir.write("keyed.yaml", acct::render_with_keys(spec, {}, {{"app", "sk-gw-1", ""}}));
    RunResult with_keys = run_binary({"--config", keyed, "--listen", "0.0.0.0:0", "--check"}, env);
    CHECK(with_keys.exit_code == 0);
    CHECK(with_keys.all().find("allow_unauthenticated") == std::string::npos);
  }

  TEST_CASE("a rejected key is counted on /metrics and written as an unauthorized record") {
    FakeUpstream fake(openai_handler());
    ConfigSpec spec = basic_spec(fake.base_url());
    GatewayProcess gateway(acct::render_with_keys(spec, {}, {{"app", "sk-gw-1", ""}}));
    TestClient client(gateway.port());
    auto rejected = client.post("/v1/chat/completions", chat_body(),
                                {{"Authorization", "Bearer sk-wrong-secret"}});
    CHECK(rejected.status == 401);
    auto records = usage_records(gateway, 1);
    REQUIRE(records.size() == 1);
    CHECK(records[0].at("outcome") == "unauthorized");
    CHECK(records[0].at("route") == "chat");
    CHECK(records[0].at("status") == 401);
    CHECK((!records[0].contains("key_name") || records[0].at("key_name") == ""));
    std::string line = read_file(gateway.usage_log_path());
    CHECK(line.find("sk-wrong-secret") == std::string::npos);

    auto metrics = client.request("GET", "/metrics", {}, {{"Authorization", "Bearer sk-gw-1"}});
    REQUIRE(metrics.status == 200);
    CHECK(
        metric_sum(metrics.body, "switchyard_requests_total", {{"outcome", "unauthorized"}}).sum ==
        1);
    CHECK(metrics.body.find("sk-wrong-secret") == std::string::npos);
    CHECK(fake.hits() == 0);
  }

  TEST_CASE("the chat routes take a 5 MB body, other routes 413, over the chat limit 413") {
    Stack stack(openai_handler(), [](ConfigSpec& spec) {
      spec.max_body_bytes = 1024 * 1024;
      spec.max_chat_body_bytes = 8 * 1024 * 1024;
      // (The prompt estimate counts the image's bytes; a vision model's
      // window is large enough for it here.)
      for (auto& model : spec.models) model.context_length = 4'000'000;
    });
    std::string five_mb = sized_chat_body(5'000'000);
    {
      auto client = stack.client(30s);
      CHECK(client.post("/v1/chat/completions", five_mb).status == 200);
    }
    {
      auto client = stack.client(30s);
      try {
        client.send_request("POST", "/v1/route", five_mb);
      } catch (const std::exception&) {
        // The gateway may answer 413 and close before reading the body.
      }
      check_error(client.read_response(), 413, "");
    }
    {
      auto client = stack.client(30s);
      try {
        client.send_request("POST", "/v1/messages", sized_chat_body(9'000'000),
                            {{"anthropic-version", "2023-06-01"}});
      } catch (const std::exception&) {
      }
      auto res = client.read_response();
      CHECK(res.status == 413);
      // Anthropic's error shape on its own route.
      auto body = json::parse(res.body).as_object();
      CHECK(body.at("type") == "error");
      CHECK(body.at("error").as_object().contains("message"));
    }
    CHECK(stack.upstream.hits() == 1);
  }

  TEST_CASE("GET / and paths without /v1 get a 404 that says where the API is") {
    Stack stack;
    auto client = stack.client();
    auto root = check_error(client.get("/"), 404, "");
    CHECK(str(root.at("message")).find("/v1/models") != std::string::npos);
    auto bare = check_error(client.post("/chat/completions", chat_body()), 404, "");
    CHECK(str(bare.at("message")).find("did you mean /v1/chat/completions") != std::string::npos);
    CHECK(stack.upstream.hits() == 0);
  }
}
