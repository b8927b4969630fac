// Every OpenAI-compatible server kind end to end through the gateway, as each
// documents its wire format: the answer is relayed with its own fields, usage
// is always asked upstream and reaches the client (with cost) only when asked,
// unknown fields pass through both ways, and missing usage is estimated.
#include <cmath>

#include "tests/integration/provider_fixtures.hpp"

using namespace itest;
namespace json = boost::json;

namespace {

// 12 prompt tokens at $1.5/1M + 7 completion tokens at $2/1M.
constexpr double kFixtureCost = 0.000032;

struct RoundTrip {
  json::object completion;                // the non-stream answer
  std::vector<json::object> plain;        // stream, usage not asked
  std::vector<json::object> asked;        // stream, include_usage
  std::vector<RecordedRequest> upstream;  // the three upstream requests
  std::vector<json::object> records;      // the three usage records
};

void check_usage_object(const json::value& usage) {
  REQUIRE(usage.is_object());
  CHECK(usage.at("prompt_tokens") == kFixturePromptTokens);
  CHECK(usage.at("completion_tokens") == kFixtureCompletionTokens);
  REQUIRE(usage.as_object().contains("cost"));
  CHECK(std::abs(usage.at("cost").to_number<double>() - kFixtureCost) < 1e-12);
}

// The checks every flavor shares; returns what was seen for its own checks.
// `inline_usage`: the server puts usage on a content chunk (Gemini), which is
// relayed as is, so the client may see it without asking.
RoundTrip round_trip(const FlavorFixture& fixture, FlavorStack& stack, bool inline_usage = false) {
  RoundTrip out;
  auto client = stack.client();
  auto res = client.post("/v1/chat/completions", chat_body());
  REQUIRE(res.status == 200);
  CHECK(res.header("x-switchyard-provider") == "fake-a");
  out.completion = res.json().as_object();
  CHECK(out.completion.at("choices").at(0).at("message").at("content") == "Hello");
  check_usage_object(out.completion.at("usage"));

  auto plain = read_sse(client, "/v1/chat/completions", chat_body("test/alpha", true, false));
  REQUIRE(plain.head.status == 200);
  CHECK(plain.complete);
  CHECK(has_done(plain));
  out.plain = sse_json(plain);
  CHECK(delta_text(out.plain) == "Hello");
  if (!inline_usage) CHECK(usage_chunks(out.plain).empty());

  auto asked = read_sse(client, "/v1/chat/completions", chat_body("test/alpha", true, true));
  REQUIRE(asked.head.status == 200);
  CHECK(asked.complete);
  CHECK(has_done(asked));
  out.asked = sse_json(asked);
  CHECK(delta_text(out.asked) == "Hello");
  REQUIRE_FALSE(out.asked.empty());
  // The usage chunk is the last before [DONE], with no choices and the cost.
  const json::object& last = out.asked.back();
  CHECK(last.at("choices").as_array().empty());
  check_usage_object(last.at("usage"));
  if (!inline_usage) CHECK(usage_chunks(out.asked).size() == 1);

  out.upstream = stack.upstream.requests();
  REQUIRE(out.upstream.size() == 3);
  for (const auto& up : out.upstream) {
    CHECK(up.target == fixture.base_path + "/chat/completions");
    CHECK(up.header("authorization") == std::string(kProviderBearer));
    CHECK(up.json().at("model") == "alpha-upstream");
  }
  // Usage is always asked upstream, whatever the client said.
  CHECK_FALSE(wants_stream_usage(out.upstream[0]));
  CHECK(wants_stream_usage(out.upstream[1]));
  CHECK(wants_stream_usage(out.upstream[2]));

  out.records = usage_records(stack.gateway, 3);
  for (const auto& record : out.records) {
    CHECK(record.at("usage_estimated") == false);
    CHECK(record.at("prompt_tokens") == kFixturePromptTokens);
    CHECK(record.at("completion_tokens") == kFixtureCompletionTokens);
    CHECK(record.at("cost_picousd") == 32'000'000);
    CHECK(record.at("outcome") == "ok");
  }
  return out;
}

// The chunk whose choices[0].delta has `field`, first of them.
const json::object* chunk_with_delta(const std::vector<json::object>& chunks,
                                     std::string_view field) {
  for (const auto& c : chunks) {
    const auto& choices = c.at("choices").as_array();
    if (!choices.empty() && choices[0].at("delta").as_object().contains(field)) return &c;
  }
  return nullptr;
}

}  // namespace

TEST_SUITE("providers") {
  TEST_CASE("OpenAI: include_usage honoured, its own fields relayed") {
    auto fixture = openai_fixture();
    FlavorStack stack(fixture);
    auto seen = round_trip(fixture, stack);
    CHECK(seen.completion.at("system_fingerprint") == "fp_oa");
    CHECK(seen.completion.at("service_tier") == "default");
    auto& usage = seen.completion.at("usage").as_object();
    CHECK(usage.at("completion_tokens_details").at("reasoning_tokens") == 0);
    CHECK(seen.completion.at("choices").at(0).at("message").at("refusal").is_null());
    for (const auto* chunks : {&seen.plain, &seen.asked}) {
      for (const auto& c : *chunks) {
        // The usage chunk is the gateway's own (it carries the cost).
        if (c.at("choices").as_array().empty()) continue;
        CHECK(c.at("system_fingerprint") == "fp_oa");
      }
    }
  }

  TEST_CASE("DeepSeek: reasoning_content and prompt_cache_hit_tokens pass through") {
    auto fixture = deepseek_fixture();
    FlavorStack stack(fixture);
    auto seen = round_trip(fixture, stack);
    auto& message = seen.completion.at("choices").at(0).at("message");
    CHECK(message.at("reasoning_content") == "The user greets me.");
    CHECK(seen.completion.at("usage").at("prompt_cache_hit_tokens") == 8);
    CHECK(seen.completion.at("usage").at("prompt_cache_miss_tokens") == 4);
    for (const auto* chunks : {&seen.plain, &seen.asked}) {
      CHECK(delta_text(*chunks, "reasoning_content") == "The user greets me.");
      // A thinking delta arrives exactly as DeepSeek wrote it, null content included.
      const json::object* thinking = nullptr;
      for (const auto& c : *chunks) {
        auto& choices = c.at("choices").as_array();
        if (!choices.empty() && choices[0].at("delta").at("content").is_null() &&
            choices[0].at("delta").at("reasoning_content") == "The user ") {
          thinking = &c;
        }
      }
      REQUIRE(thinking != nullptr);
      CHECK(thinking->at("choices").at(0).at("delta") ==
            json::parse(R"({"content":null,"reasoning_content":"The user "})"));
    }
    CHECK(seen.asked.back().at("usage").at("prompt_cache_hit_tokens") == 8);
    for (const auto& record : seen.records) CHECK(record.at("cached_prompt_tokens") == 8);
  }

  TEST_CASE("vLLM: stop_reason and prompt_logprobs relayed") {
    auto fixture = vllm_fixture();
    FlavorStack stack(fixture);
    auto seen = round_trip(fixture, stack);
    CHECK(seen.completion.at("choices").at(0).as_object().contains("stop_reason"));
    CHECK(seen.completion.contains("prompt_logprobs"));
    CHECK(seen.completion.contains("kv_transfer_params"));
    CHECK(seen.plain.back().at("choices").at(0).as_object().contains("stop_reason"));
  }

  TEST_CASE("llama.cpp server: timings pass through") {
    auto fixture = llamacpp_fixture();
    FlavorStack stack(fixture);
    auto seen = round_trip(fixture, stack);
    REQUIRE(seen.completion.contains("timings"));
    CHECK(seen.completion.at("timings").at("predicted_n") == kFixtureCompletionTokens);
    CHECK(seen.completion.at("system_fingerprint") == "b5000-abcdef");
    // Streamed, llama-server writes timings on its last chunk, which is the
    // usage chunk the gateway always asks for. A client that asked for usage
    // too must find them on the usage chunk it gets. (A client that did not
    // ask cannot: that chunk is not relayed to it.)
    bool timings = false;
    for (const auto& c : seen.asked) timings = timings || c.contains("timings");
    CHECK_MESSAGE(timings, "streamed llama.cpp timings were dropped");
    CHECK(seen.asked.back().contains("timings"));
  }

  TEST_CASE("Ollama /v1: no usage in the stream unless asked") {
    auto fixture = ollama_fixture();
    FlavorStack stack(fixture);
    auto seen = round_trip(fixture, stack);
    CHECK(seen.completion.at("system_fingerprint") == "fp_ollama");
    CHECK(seen.plain.front().at("system_fingerprint") == "fp_ollama");
    CHECK(seen.plain.back().at("choices").at(0).at("finish_reason") == "stop");
  }

  TEST_CASE("SGLang: matched_stop and metadata relayed") {
    auto fixture = sglang_fixture();
    FlavorStack stack(fixture);
    auto seen = round_trip(fixture, stack);
    CHECK(seen.completion.at("choices").at(0).at("matched_stop") == 128009);
    CHECK(seen.completion.at("metadata").at("weight_version") == "default");
    CHECK(seen.plain.back().at("choices").at(0).at("matched_stop") == 128009);
  }

  TEST_CASE("Gemini OpenAI-compatible endpoint: its base path, usage on the finish chunk") {
    auto fixture = gemini_fixture();
    FlavorStack stack(fixture);
    auto seen = round_trip(fixture, stack, /*inline_usage=*/true);
    // The finish chunk keeps its choices whatever it carries besides.
    const json::object* finish = nullptr;
    for (const auto& c : seen.asked) {
      auto& choices = c.at("choices").as_array();
      if (!choices.empty() && choices[0].at("finish_reason") == "stop") finish = &c;
    }
    REQUIRE(finish != nullptr);
    CHECK(chunk_with_delta(seen.asked, "role") != nullptr);
  }

  TEST_CASE("DashScope compatible mode: its base path and usage chunk") {
    auto fixture = dashscope_fixture();
    FlavorStack stack(fixture);
    auto seen = round_trip(fixture, stack);
    CHECK(seen.completion.at("usage").at("prompt_tokens_details").at("cached_tokens") == 0);
    CHECK(seen.completion.at("system_fingerprint").is_null());
  }

  TEST_CASE("unknown fields pass through untouched in both directions") {
    Stack stack;
    auto client = stack.client();
    json::object extra{{"seed", 42},
                       {"logit_bias", json::object{{"50256", -100}}},
                       {"top_logprobs", 2},
                       {"x_vendor_option", json::object{{"nested", json::array{1, "two"}}}}};
    for (bool stream : {false, true}) {
      CAPTURE(stream);
      std::string body = chat_body_with("test/alpha", stream, false, extra);
      if (stream) {
        auto read = read_sse(client, "/v1/chat/completions", body);
        REQUIRE(read.head.status == 200);
        auto chunks = sse_json(read);
        REQUIRE_FALSE(chunks.empty());
        for (const auto& c : chunks) CHECK(c.at("system_fingerprint") == "fp_fake");
      } else {
        auto res = client.post("/v1/chat/completions", body);
        REQUIRE(res.status == 200);
        CHECK(res.json().at("system_fingerprint") == "fp_fake");
      }
      auto up = stack.upstream.last_request()->json().as_object();
      for (const auto& field : extra) {
        const auto& key = field.key();
        const auto& value = field.value();
        INFO("field " << key);
        REQUIRE(up.contains(key));
        CHECK(up.at(key) == value);
      }
    }
  }

  TEST_CASE("an upstream without usage: the record is estimated, with tokens") {
    Stack stack(no_usage_handler());
    auto client = stack.client();
    auto res = client.post("/v1/chat/completions", chat_body());
    REQUIRE(res.status == 200);
    CHECK(res.json().at("choices").at(0).at("message").at("content") == "Hello there, friend");
    auto stream = read_sse(client, "/v1/chat/completions", chat_body("test/alpha", true, true));
    REQUIRE(stream.head.status == 200);
    CHECK(has_done(stream));
    CHECK(delta_text(sse_json(stream)) == "Hello");

    auto records = usage_records(stack.gateway, 2);
    REQUIRE(records.size() == 2);
    for (const auto& record : records) {
      INFO("record: " << json::serialize(record));
      CHECK(record.at("usage_estimated") == true);
      CHECK(record.at("prompt_tokens").to_number<std::int64_t>() > 0);
      CHECK(record.at("completion_tokens").to_number<std::int64_t>() > 0);
      CHECK(record.at("cost_picousd").to_number<std::int64_t>() > 0);
    }
    // The client's usage chunk carries the estimate, never nothing.
    auto usage = usage_chunks(sse_json(stream));
    REQUIRE(usage.size() == 1);
    CHECK(usage[0].at("usage").at("prompt_tokens").to_number<std::int64_t>() > 0);
  }
}
