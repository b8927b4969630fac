#pragma once
// Gateway configs for the tests, rendered as YAML from small structs whose
// defaults are the suite's standard setup: one OpenAI-compatible provider
// "fake-a" (key in TEST_PROVIDER_KEY, 1 s timeouts, no health checks) and one
// model "test/alpha" (upstream "alpha-upstream", $1.5 / $2 per 1M tokens).
#include <string>
#include <vector>

namespace itest {

struct ProviderSpec {
  std::string name = "fake-a";
  std::string kind = "openai";
  std::string base_url;  // e.g. FakeUpstream::base_url()
  std::string api_key_env = "TEST_PROVIDER_KEY";
  std::string location = "local";
  std::string jurisdiction = "on-prem";
  std::string connect = "1s";
  std::string first_byte = "1s";
  // timeouts.response; "" means first_byte, so a silent fake ends in test
  // time (the shipped default, 600 s, is for real generations)
  std::string response;
  std::string between_chunks = "1s";
  std::string extra_yaml;  // more provider keys, each line indented by four spaces
};

struct EndpointSpec {
  std::string provider = "fake-a";
  std::string upstream_model = "alpha-upstream";
  std::string prompt_price = "1.5";  // USD per 1M tokens
  std::string completion_price = "2";
};

struct ModelSpec {
  std::string id = "test/alpha";
  std::string family = "llama";
  std::string author = "Meta";
  std::string origin = "US";
  std::string weights = "open";
  std::string license = "MIT";
  int context_length = 8192;
  std::vector<EndpointSpec> endpoints{EndpointSpec{}};
};

struct ConfigSpec {
  int workers = 1;
  std::string log_level = "info";
  std::string usage_log = "@TMP@/usage.jsonl";  // @TMP@: the gateway's temp dir
  long max_body_bytes = 65536;
  long max_chat_body_bytes = 65536;
  std::string header_timeout = "2s";
  std::string idle_timeout = "5s";
  int max_connections = 50;
  std::string body_timeout = "5s";
  // Extra YAML lines, indented as written, under server: and server.limits:.
  std::string server_extra;
  std::string limits_extra;
  std::vector<ProviderSpec> providers;
  std::vector<ModelSpec> models{ModelSpec{}};
};

// The standard setup with provider fake-a at `base_url`.
ConfigSpec basic_spec(const std::string& base_url);
std::string render_config(const ConfigSpec& spec);
inline std::string basic_config(const std::string& base_url) {
  return render_config(basic_spec(base_url));
}

}  // namespace itest
