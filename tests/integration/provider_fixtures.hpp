#pragma once
// Fixtures for the provider tests: fake upstreams that answer the way each
// OpenAI-compatible server documents its wire format (OpenAI, DeepSeek, vLLM,
// llama.cpp server, Ollama, SGLang, Gemini's compatible endpoint, DashScope
// compatible mode), provider options the shared config builder does not
// render (flavor, ca_file, health), and readers for SSE answers and the usage
// log.
#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tests/integration/stack.hpp"

namespace itest {

// Provider fields beyond config_builder's ProviderSpec; empty means default.
struct ProviderExtras {
  std::string flavor;
  std::string ca_file;
  std::string health;  // an inline YAML map, e.g. "{ enabled: true, interval: 200ms }"
};
// Adds `extras` to the block of provider `name` in YAML from render_config.
std::string with_provider_extras(std::string yaml, std::string_view name,
                                 const ProviderExtras& extras);

// One OpenAI-compatible server: its config flavor, the base path of its
// OpenAI-compatible API, and a handler speaking its dialect. Every handler
// echoes the request's model, answers "Hello" (streamed as "Hel", "lo") and
// reports usage 12 prompt / 7 completion tokens (stream: only when asked,
// except Gemini, which puts usage on its last content chunk).
struct FlavorFixture {
  std::string flavor;
  std::string base_path;
  Handler handler;
};
inline constexpr int kFixturePromptTokens = 12;
inline constexpr int kFixtureCompletionTokens = 7;

FlavorFixture openai_fixture();     // system_fingerprint, service_tier, usage: null per chunk
FlavorFixture deepseek_fixture();   // reasoning_content, prompt_cache_hit_tokens = 8
FlavorFixture vllm_fixture();       // stop_reason, prompt_logprobs, kv_transfer_params
FlavorFixture llamacpp_fixture();   // timings on the answer and on the last chunk
FlavorFixture ollama_fixture();     // fp_ollama; no usage chunk unless asked
FlavorFixture sglang_fixture();     // matched_stop, metadata
FlavorFixture gemini_fixture();     // /v1beta/openai, usage on the finish chunk
FlavorFixture dashscope_fixture();  // /compatible-mode/v1, usage: null per chunk
// An OpenAI-compatible server that never reports usage, streamed or not.
Handler no_usage_handler();

// A gateway in front of one fake upstream of a given flavor.
struct FlavorStack {
  FakeUpstream upstream;
  GatewayProcess gateway;
  explicit FlavorStack(const FlavorFixture& fixture);
  TestClient client() const { return TestClient(gateway.port()); }
};

// A streamed answer read to its end.
struct SseRead {
  HttpResponse head;
  std::vector<SseEvent> events;
  bool complete = false;  // the chunked body ended cleanly
};
SseRead read_sse(TestClient& client, std::string_view target, std::string_view body,
                 const Headers& headers = {});
// The JSON of every event but "[DONE]" (fails the test on non-JSON data).
std::vector<boost::json::object> sse_json(const SseRead& read);
bool has_done(const SseRead& read);
// choices[0].delta.<field> of every chunk, concatenated.
std::string delta_text(const std::vector<boost::json::object>& chunks,
                       std::string_view field = "content");
// Chunks with a non-null "usage".
std::vector<boost::json::object> usage_chunks(const std::vector<boost::json::object>& chunks);

// A chat body with extra top-level fields.
std::string chat_body_with(std::string_view model, bool stream, bool include_usage,
                           const boost::json::object& extra);

// The usage log's records, once there are at least `count` (fails after 3 s).
std::vector<boost::json::object> usage_records(const GatewayProcess& gateway, std::size_t count);

}  // namespace itest
