// The process: command line (--version, --help, --check), startup failure,
// graceful shutdown on SIGTERM, config reload on SIGHUP.
#include <signal.h>

#include <regex>

#include "tests/integration/stack.hpp"

using namespace itest;
namespace json = boost::json;

namespace {

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool lists_model(std::uint16_t port, std::string_view id) {
  try {
    TestClient client(port, 2s);
    auto res = client.get("/v1/models");
    if (res.status != 200) return false;
    auto body = res.json();  // keeps the array alive through the loop
    for (const auto& m : body.at("data").as_array()) {
      if (str(m.at("id")) == id) return true;
    }
  } catch (const std::exception&) {
  }
  return false;
}

ConfigSpec with_beta(const std::string& base_url) {
  ConfigSpec spec = basic_spec(base_url);
  ModelSpec beta;
  beta.id = "test/beta";
  beta.family = "qwen";
  beta.author = "Alibaba";
  beta.origin = "CN";
  beta.license = "Apache-2.0";
  beta.endpoints[0].upstream_model = "beta-upstream";
  spec.models.push_back(beta);
  return spec;
}

}  // namespace

TEST_SUITE("lifecycle") {
  TEST_CASE("--version prints a version and exits 0") {
    auto run = run_binary({"--version"});
    CHECK(run.exit_code == 0);
    CHECK(std::regex_search(run.out, std::regex(R"(\d+\.\d+\.\d+)")));
  }

  TEST_CASE("--help describes the options and exits 0") {
    auto run = run_binary({"--help"});
    CHECK(run.exit_code == 0);
    CHECK(run.all().find("--config") != std::string::npos);
    CHECK(run.all().find("--check") != std::string::npos);
  }

  TEST_CASE("an unknown option is an error") {
    auto run = run_binary({"--no-such-option"});
    CHECK(run.exit_code != 0);
    CHECK_FALSE(run.err.empty());
  }

  TEST_CASE("--check accepts a good config") {
    TempDir dir;
    ConfigSpec spec = basic_spec("http://127.0.0.1:9/v1");
    spec.usage_log = dir.file("usage.jsonl");
    auto path = dir.write("good.yaml", render_config(spec));
    auto run = run_binary({"--config", path, "--check"}, {{kProviderKeyEnv, kProviderKey}});
    INFO(run.all());
    CHECK(run.exit_code == 0);
  }

  TEST_CASE("--check on a bad config exits non-zero naming every problem") {
    TempDir dir;
    ConfigSpec spec = basic_spec("http://127.0.0.1:9/v1");
    spec.usage_log = dir.file("usage.jsonl");
    spec.models[0].endpoints[0].provider = "no-such-provider";
    spec.models[0].endpoints[0].prompt_price = "-1";
    std::string yaml = render_config(spec);
    yaml.insert(yaml.find("  workers:"), "  bogus_key: 1\n");
    auto path = dir.write("bad.yaml", yaml);
    auto run = run_binary({"--config", path, "--check"}, {{kProviderKeyEnv, kProviderKey}});
    INFO(run.all());
    CHECK(run.exit_code != 0);
    CHECK(run.all().find("bogus_key") != std::string::npos);
    CHECK(run.all().find("no-such-provider") != std::string::npos);
    CHECK(run.all().find("price.prompt") != std::string::npos);
  }

  TEST_CASE("the gateway refuses to start on a broken config") {
    GatewayOptions options;
    options.wait_ready = false;
    GatewayProcess gateway("server: [this is not\n", options);
    auto status = gateway.wait_exit(10s);
    REQUIRE(status);
    CHECK(*status != 0);
    CHECK_FALSE(find_listening_port(gateway.log_text()));
  }

  TEST_CASE("SIGTERM lets an in-flight stream finish, then exits 0") {
    FakeAnswer answer{.pieces = {"a", "b", "c", "d", "e"}, .delay = 200ms};
    Stack stack(openai_handler(answer));
    auto client = stack.client();
    client.send_request("POST", "/v1/chat/completions", chat_body("test/alpha", true));
    REQUIRE(client.read_response_head().status == 200);
    REQUIRE(client.next_event());
    stack.gateway.send_signal(SIGTERM);
    std::string last;
    while (auto event = client.next_event()) last = event->data;
    CHECK(client.body_complete());
    CHECK(last == "[DONE]");
    CHECK(wait_until([&] { return stack.upstream.streams_completed() == 1; }, 10s));
    auto status = stack.gateway.wait_exit(10s);
    REQUIRE(status);
    CHECK(*status == 0);
  }

  TEST_CASE("SIGHUP with a changed config adds a model") {
    Stack stack;
    REQUIRE(lists_model(stack.gateway.port(), "test/alpha"));
    CHECK_FALSE(lists_model(stack.gateway.port(), "test/beta"));
    stack.gateway.write_config(render_config(with_beta(stack.upstream.base_url())));
    stack.gateway.send_signal(SIGHUP);
    bool listed = wait_until([&] { return lists_model(stack.gateway.port(), "test/beta"); }, 5s);
    INFO("gateway log:\n" << stack.gateway.log_text());
    CHECK(listed);
    auto client = stack.client();
    auto res = client.post("/v1/chat/completions", chat_body("test/beta"));
    CHECK(res.status == 200);
    CHECK(stack.upstream.last_request()->json().at("model") == "beta-upstream");
    CHECK(lists_model(stack.gateway.port(), "test/alpha"));
    CHECK(stack.gateway.running());
  }

  TEST_CASE("SIGHUP with a broken config keeps the old config and logs the failure") {
    Stack stack;
    stack.gateway.write_config("server: [this is not\nmodels: 5\n");
    stack.gateway.send_signal(SIGHUP);
    auto reload_failure_logged = [&] {
      std::string log = lower(stack.gateway.log_text());
      std::size_t pos = 0;
      while ((pos = log.find("reload", pos)) != std::string::npos) {
        auto start = log.rfind('\n', pos);
        auto end = log.find('\n', pos);
        std::string line = log.substr(start == std::string::npos ? 0 : start + 1,
                                      end == std::string::npos ? std::string::npos : end - start);
        for (const char* word : {"fail", "error", "invalid", "reject"}) {
          if (line.find(word) != std::string::npos) return true;
        }
        pos += 6;
      }
      return false;
    };
    CHECK(wait_until(reload_failure_logged, 5s));
    CHECK(stack.gateway.running());
    auto client = stack.client();
    auto res = client.post("/v1/chat/completions", chat_body());
    CHECK(res.status == 200);
    CHECK(stack.upstream.last_request()->json().at("model") == "alpha-upstream");
    CHECK(lists_model(stack.gateway.port(), "test/alpha"));
  }
}
