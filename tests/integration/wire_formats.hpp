#pragma once
// The exact wire formats the fake upstreams speak: OpenAI chat completions
// (JSON and chat.completion.chunk SSE, usage chunk when asked for) and the
// Anthropic Messages API (JSON and its event stream), plus ready handlers.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "tests/integration/fake_upstream.hpp"

namespace itest {

struct TokenUsage {
  int prompt = 10;
  int completion = 5;
};

// {"id":"chatcmpl-...","object":"chat.completion",...,"usage":{prompt_tokens,...}}
std::string openai_completion(std::string_view model, std::string_view content,
                              TokenUsage usage = {});
// "data: {...}\n\n" events: role delta, one content delta per piece, the
// finish_reason chunk, the usage chunk ("choices":[]) when include_usage,
// then "data: [DONE]\n\n".
std::vector<std::string> openai_stream_events(std::string_view model,
                                              const std::vector<std::string>& pieces,
                                              TokenUsage usage, bool include_usage);
// {"error":{"message":...,"type":...,"param":null,"code":...}}
std::string openai_error(std::string_view message, std::string_view type, std::string_view code);

bool wants_stream(const RecordedRequest& request);        // "stream": true
bool wants_stream_usage(const RecordedRequest& request);  // stream_options.include_usage

struct FakeAnswer {
  std::vector<std::string> pieces{"Hel", "lo"};  // content, streamed piece by piece
  TokenUsage usage;
  std::chrono::milliseconds delay{0};  // between SSE events
};
std::string joined(const std::vector<std::string>& pieces);

// An OpenAI-compatible upstream: JSON or SSE by the request's "stream",
// echoing the request's model.
Handler openai_handler(FakeAnswer answer = {});

// Anthropic Messages: the message JSON and its event stream (message_start,
// content_block_start, ping, content_block_delta text_delta per piece,
// content_block_stop, message_delta with usage.output_tokens, message_stop).
std::string anthropic_message(std::string_view model, std::string_view text, TokenUsage usage = {});
std::vector<std::string> anthropic_stream_events(std::string_view model,
                                                 const std::vector<std::string>& pieces,
                                                 TokenUsage usage = {});
Handler anthropic_handler(FakeAnswer answer = {});

// A chat request body: {"model":...,"messages":[{"role":"user","content":...}]}.
std::string chat_body(std::string_view model = "test/alpha", bool stream = false,
                      bool include_usage = false);

}  // namespace itest
