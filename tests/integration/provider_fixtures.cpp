#include "tests/integration/provider_fixtures.hpp"

#include <functional>

namespace itest {

namespace json = boost::json;

std::string with_provider_extras(std::string yaml, std::string_view name,
                                 const ProviderExtras& extras) {
  const std::string marker = "  - name: " + std::string(name) + "\n";
  std::size_t start = yaml.find(marker);
  REQUIRE_MESSAGE(start != std::string::npos, "no provider " << name << " in the config");
  std::size_t end = yaml.find("\n  - ", start + marker.size());
  if (std::size_t models = yaml.find("\nmodels:", start); end == std::string::npos || models < end)
    end = models;
  if (!extras.health.empty()) {
    // render_config always writes health disabled; a second key would be a duplicate.
    const std::string disabled = "    health: { enabled: false }\n";
    std::size_t at = yaml.find(disabled, start);
    REQUIRE(at < end);
    yaml.replace(at, disabled.size(), "    health: " + extras.health + "\n");
  }
  std::string lines;
  if (!extras.flavor.empty()) lines += "    flavor: " + extras.flavor + "\n";
  if (!extras.ca_file.empty()) lines += "    ca_file: \"" + extras.ca_file + "\"\n";
  yaml.insert(start + marker.size(), lines);
  return yaml;
}

namespace {

constexpr std::int64_t kCreated = 1718000000;

std::string model_of(const RecordedRequest& request) {
  auto body = request.json();
  if (auto* object = body.if_object()) {
    if (auto* model = object->if_contains("model"); model && model->is_string())
      return std::string(model->as_string());
  }
  return "unknown";
}

json::object basic_usage() {
  return {{"prompt_tokens", kFixturePromptTokens},
          {"completion_tokens", kFixtureCompletionTokens},
          {"total_tokens", kFixturePromptTokens + kFixtureCompletionTokens}};
}

// How one server writes a whole answer and a stream. `chunks` gets the
// model and whether the request asked for usage; [DONE] is added after.
struct Wire {
  std::function<json::object(const std::string& model)> completion;
  std::function<std::vector<json::object>(const std::string& model, bool usage)> chunks;
};

Handler serve(Wire wire) {
  return [wire](const RecordedRequest& request) {
    std::string model = model_of(request);
    if (!wants_stream(request)) return Response::json(json::serialize(wire.completion(model)));
    SseScript script;
    for (const auto& chunk : wire.chunks(model, wants_stream_usage(request)))
      script.events.push_back("data: " + json::serialize(chunk) + "\n\n");
    script.events.push_back("data: [DONE]\n\n");
    return Response::stream(std::move(script));
  };
}

// {"index":0,"delta":...,"finish_reason":...} plus `extra` choice fields.
json::object delta_choice(json::object delta, json::value finish, json::object extra = {}) {
  json::object choice{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", finish}};
  for (auto& [key, value] : extra) choice[key] = value;
  return choice;
}

// A chunk: the common fields, `extra` top-level fields, one choice (or none).
json::object chunk(const std::string& model, std::string_view id, json::array choices,
                   json::object extra = {}) {
  json::object c{{"id", id},
                 {"object", "chat.completion.chunk"},
                 {"created", kCreated},
                 {"model", model},
                 {"choices", std::move(choices)}};
  for (auto& [key, value] : extra) c[key] = value;
  return c;
}

json::object completion(const std::string& model, std::string_view id, json::object message,
                        json::object choice_extra, json::value usage, json::object extra = {}) {
  json::object choice{{"index", 0}, {"message", std::move(message)}, {"finish_reason", "stop"}};
  for (auto& [key, value] : choice_extra) choice[key] = value;
  json::object c{{"id", id},
                 {"object", "chat.completion"},
                 {"created", kCreated},
                 {"model", model},
                 {"choices", json::array{std::move(choice)}}};
  if (!usage.is_null()) c["usage"] = std::move(usage);
  for (auto& [key, value] : extra) c[key] = value;
  return c;
}

// The usual stream: role, "Hel", "lo", finish; every chunk gets `extra`
// top-level fields and `choice_extra` on its choice.
std::vector<json::object> plain_chunks(const std::string& model, std::string_view id,
                                       const json::object& extra,
                                       const json::object& choice_extra = {}) {
  auto one = [&](json::object delta, json::value finish) {
    return chunk(model, id, json::array{delta_choice(std::move(delta), finish, choice_extra)},
                 extra);
  };
  return {one({{"role", "assistant"}, {"content", ""}}, nullptr),
          one({{"content", "Hel"}}, nullptr), one({{"content", "lo"}}, nullptr),
          one(json::object{}, "stop")};
}

}  // namespace

FlavorFixture openai_fixture() {
  // usage: null on every chunk but the last when include_usage is set.
  Wire wire{
      [](const std::string& model) {
        json::object usage = basic_usage();
        usage["prompt_tokens_details"] = {{"cached_tokens", 0}, {"audio_tokens", 0}};
        usage["completion_tokens_details"] = {{"reasoning_tokens", 0},
                                              {"audio_tokens", 0},
                                              {"accepted_prediction_tokens", 0},
                                              {"rejected_prediction_tokens", 0}};
        return completion(model, "chatcmpl-oa1",
                          {{"role", "assistant"},
                           {"content", "Hello"},
                           {"refusal", nullptr},
                           {"annotations", json::array{}}},
                          {{"logprobs", nullptr}}, usage,
                          {{"service_tier", "default"}, {"system_fingerprint", "fp_oa"}});
      },
      [](const std::string& model, bool usage) {
        json::object extra{{"service_tier", "default"}, {"system_fingerprint", "fp_oa"}};
        if (usage) extra["usage"] = nullptr;
        auto chunks = plain_chunks(model, "chatcmpl-oa1", extra, {{"logprobs", nullptr}});
        if (usage) {
          json::object last = chunk(model, "chatcmpl-oa1", {}, {{"system_fingerprint", "fp_oa"}});
          last["usage"] = basic_usage();
          chunks.push_back(std::move(last));
        }
        return chunks;
      }};
  return {"openai", "/v1", serve(wire)};
}

FlavorFixture deepseek_fixture() {
  // deepseek-reasoner: the chain of thought in reasoning_content, cache hits
  // at the top level of usage.
  auto usage = [] {
    json::object u = basic_usage();
    u["prompt_cache_hit_tokens"] = 8;
    u["prompt_cache_miss_tokens"] = 4;
    u["completion_tokens_details"] = {{"reasoning_tokens", 3}};
    return u;
  };
  Wire wire{
      [usage](const std::string& model) {
        return completion(model, "ds-1",
                          {{"role", "assistant"},
                           {"content", "Hello"},
                           {"reasoning_content", "The user greets me."}},
                          {{"logprobs", nullptr}}, usage(), {{"system_fingerprint", "fp_ds_prod"}});
      },
      [usage](const std::string& model, bool with_usage) {
        json::object extra{{"system_fingerprint", "fp_ds_prod"}};
        auto one = [&](json::object delta, json::value finish) {
          return chunk(model, "ds-1",
                       json::array{delta_choice(std::move(delta), finish, {{"logprobs", nullptr}})},
                       extra);
        };
        std::vector<json::object> chunks{
            one({{"role", "assistant"}, {"content", nullptr}, {"reasoning_content", ""}}, nullptr),
            one({{"content", nullptr}, {"reasoning_content", "The user "}}, nullptr),
            one({{"content", nullptr}, {"reasoning_content", "greets me."}}, nullptr),
            one({{"content", "Hel"}, {"reasoning_content", nullptr}}, nullptr),
            one({{"content", "lo"}, {"reasoning_content", nullptr}}, nullptr),
            one({{"content", ""}, {"reasoning_content", nullptr}}, "stop")};
        if (with_usage) {
          json::object last = chunk(model, "ds-1", {}, extra);
          last["usage"] = usage();
          chunks.push_back(std::move(last));
        }
        return chunks;
      }};
  return {"deepseek", "/v1", serve(wire)};
}

FlavorFixture vllm_fixture() {
  Wire wire{[](const std::string& model) {
              json::object usage = basic_usage();
              usage["prompt_tokens_details"] = nullptr;
              return completion(model, "chatcmpl-vllm1",
                                {{"role", "assistant"},
                                 {"reasoning_content", nullptr},
                                 {"content", "Hello"},
                                 {"tool_calls", json::array{}}},
                                {{"logprobs", nullptr}, {"stop_reason", nullptr}}, usage,
                                {{"prompt_logprobs", nullptr}, {"kv_transfer_params", nullptr}});
            },
            [](const std::string& model, bool usage) {
              auto chunks = plain_chunks(model, "chatcmpl-vllm1", {},
                                         {{"logprobs", nullptr}, {"stop_reason", nullptr}});
              if (usage) {
                json::object last = chunk(model, "chatcmpl-vllm1", {});
                last["usage"] = basic_usage();
                chunks.push_back(std::move(last));
              }
              return chunks;
            }};
  return {"vllm", "/v1", serve(wire)};
}

namespace {
json::object llamacpp_timings() {
  return {{"prompt_n", kFixturePromptTokens},
          {"prompt_ms", 18.5},
          {"prompt_per_token_ms", 1.54},
          {"prompt_per_second", 648.6},
          {"predicted_n", kFixtureCompletionTokens},
          {"predicted_ms", 70.1},
          {"predicted_per_token_ms", 10.01},
          {"predicted_per_second", 99.9}};
}
}  // namespace

FlavorFixture llamacpp_fixture() {
  // llama-server puts `timings` on the answer and on the last chunk of a
  // stream, which is the usage chunk when usage was asked for.
  Wire wire{[](const std::string& model) {
              return completion(
                  model, "chatcmpl-llama1", {{"role", "assistant"}, {"content", "Hello"}}, {},
                  basic_usage(),
                  {{"system_fingerprint", "b5000-abcdef"}, {"timings", llamacpp_timings()}});
            },
            [](const std::string& model, bool usage) {
              auto chunks =
                  plain_chunks(model, "chatcmpl-llama1", {{"system_fingerprint", "b5000-abcdef"}});
              if (usage) {
                json::object last =
                    chunk(model, "chatcmpl-llama1", {}, {{"system_fingerprint", "b5000-abcdef"}});
                last["usage"] = basic_usage();
                chunks.push_back(std::move(last));
              }
              chunks.back()["timings"] = llamacpp_timings();
              return chunks;
            }};
  return {"llamacpp", "/v1", serve(wire)};
}

FlavorFixture ollama_fixture() {
  Wire wire{[](const std::string& model) {
              return completion(model, "chatcmpl-42", {{"role", "assistant"}, {"content", "Hello"}},
                                {}, basic_usage(), {{"system_fingerprint", "fp_ollama"}});
            },
            [](const std::string& model, bool usage) {
              json::object extra{{"system_fingerprint", "fp_ollama"}};
              auto chunks = plain_chunks(model, "chatcmpl-42", extra);
              // Its finish chunk repeats the role with empty content.
              chunks.back()["choices"].as_array()[0].as_object()["delta"] =
                  json::object{{"role", "assistant"}, {"content", ""}};
              if (usage) {
                json::object last = chunk(model, "chatcmpl-42", {}, extra);
                last["usage"] = basic_usage();
                chunks.push_back(std::move(last));
              }
              return chunks;
            }};
  return {"ollama", "/v1", serve(wire)};
}

FlavorFixture sglang_fixture() {
  Wire wire{[](const std::string& model) {
              json::object usage = basic_usage();
              usage["prompt_tokens_details"] = nullptr;
              return completion(model, "5c3a9d1e",
                                {{"role", "assistant"},
                                 {"content", "Hello"},
                                 {"reasoning_content", nullptr},
                                 {"tool_calls", nullptr}},
                                {{"logprobs", nullptr}, {"matched_stop", 128009}}, usage,
                                {{"metadata", json::object{{"weight_version", "default"}}}});
            },
            [](const std::string& model, bool usage) {
              auto chunks = plain_chunks(model, "5c3a9d1e", {{"usage", nullptr}},
                                         {{"logprobs", nullptr}, {"matched_stop", nullptr}});
              chunks.back()["choices"].as_array()[0].as_object()["matched_stop"] = 128009;
              if (usage) {
                json::object last = chunk(model, "5c3a9d1e", {});
                last["usage"] = basic_usage();
                chunks.push_back(std::move(last));
              }
              return chunks;
            }};
  return {"sglang", "/v1", serve(wire)};
}

FlavorFixture gemini_fixture() {
  // Gemini's compatible endpoint: no usage chunk of its own; usage rides on
  // the finish chunk when asked for.
  Wire wire{[](const std::string& model) {
              return completion(model, "gem-1", {{"role", "assistant"}, {"content", "Hello"}}, {},
                                basic_usage());
            },
            [](const std::string& model, bool usage) {
              auto chunks = plain_chunks(model, "gem-1", {});
              if (usage) chunks.back()["usage"] = basic_usage();
              return chunks;
            }};
  return {"gemini", "/v1beta/openai", serve(wire)};
}

FlavorFixture dashscope_fixture() {
  Wire wire{[](const std::string& model) {
              json::object usage = basic_usage();
              usage["prompt_tokens_details"] = {{"cached_tokens", 0}};
              return completion(model, "chatcmpl-ds-qwen",
                                {{"role", "assistant"}, {"content", "Hello"}},
                                {{"logprobs", nullptr}}, usage, {{"system_fingerprint", nullptr}});
            },
            [](const std::string& model, bool usage) {
              json::object extra{{"system_fingerprint", nullptr}, {"usage", nullptr}};
              auto chunks = plain_chunks(model, "chatcmpl-ds-qwen", extra, {{"logprobs", nullptr}});
              if (usage) {
                json::object last = chunk(model, "chatcmpl-ds-qwen", {}, extra);
                last["usage"] = basic_usage();
                chunks.push_back(std::move(last));
              }
              return chunks;
            }};
  return {"dashscope", "/compatible-mode/v1", serve(wire)};
}

Handler no_usage_handler() {
  Wire wire{[](const std::string& model) {
              return completion(model, "chatcmpl-nu",
                                {{"role", "assistant"}, {"content", "Hello there, friend"}}, {},
                                nullptr);
            },
            [](const std::string& model, bool) { return plain_chunks(model, "chatcmpl-nu", {}); }};
  return serve(wire);
}

namespace {
std::string flavor_config(const FakeUpstream& upstream, const FlavorFixture& fixture) {
  return with_provider_extras(render_config(basic_spec(upstream.base_url(fixture.base_path))),
                              "fake-a", {.flavor = fixture.flavor});
}
}  // namespace

FlavorStack::FlavorStack(const FlavorFixture& fixture)
    : upstream(fixture.handler), gateway(flavor_config(upstream, fixture)) {}

SseRead read_sse(TestClient& client, std::string_view target, std::string_view body,
                 const Headers& headers) {
  SseRead read;
  client.send_request("POST", target, body, headers);
  read.head = client.read_response_head();
  while (auto event = client.next_event()) read.events.push_back(*event);
  read.complete = client.body_complete();
  return read;
}

std::vector<json::object> sse_json(const SseRead& read) {
  std::vector<json::object> out;
  for (const auto& event : read.events) {
    if (event.data == "[DONE]") continue;
    boost::system::error_code ec;
    auto value = json::parse(event.data, ec);
    INFO("event data: " << event.data);
    REQUIRE_FALSE(ec);
    REQUIRE(value.is_object());
    out.push_back(value.as_object());
  }
  return out;
}

bool has_done(const SseRead& read) {
  for (const auto& event : read.events)
    if (event.data == "[DONE]") return true;
  return false;
}

std::string delta_text(const std::vector<json::object>& chunks, std::string_view field) {
  std::string text;
  for (const auto& c : chunks) {
    auto* choices = c.if_contains("choices");
    if (choices == nullptr || !choices->is_array() || choices->as_array().empty()) continue;
    auto* delta = choices->as_array()[0].as_object().if_contains("delta");
    if (delta == nullptr || !delta->is_object()) continue;
    if (auto* value = delta->as_object().if_contains(field); value && value->is_string())
      text += value->as_string();
  }
  return text;
}

std::vector<json::object> usage_chunks(const std::vector<json::object>& chunks) {
  std::vector<json::object> out;
  for (const auto& c : chunks) {
    if (auto* usage = c.if_contains("usage"); usage && !usage->is_null()) out.push_back(c);
  }
  return out;
}

std::string chat_body_with(std::string_view model, bool stream, bool include_usage,
                           const json::object& extra) {
  json::object body = json::parse(chat_body(model, stream, include_usage)).as_object();
  for (const auto& [key, value] : extra) body[key] = value;
  return json::serialize(body);
}

std::vector<json::object> usage_records(const GatewayProcess& gateway, std::size_t count) {
  const std::string path = gateway.usage_log_path();
  bool enough = wait_until([&] { return read_lines(path).size() >= count; }, 3s);
  REQUIRE_MESSAGE(enough,
                  "usage log has " << read_lines(path).size() << " records, expected " << count);
  std::vector<json::object> out;
  for (const auto& line : read_lines(path)) out.push_back(json::parse(line).as_object());
  return out;
}

}  // namespace itest
