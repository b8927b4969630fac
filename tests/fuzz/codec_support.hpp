#pragma once
// Shared by the codec fuzz targets: the first input byte picks a direction
// (seed files start with '0'..'3'), the rest is the payload, and the checks
// every codec must pass whatever the upstream sends.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "config/config.hpp"
#include "gateway/errors.hpp"
#include "providers/anthropic/ingress.hpp"
#include "providers/canonical/chat_request.hpp"
#include "providers/canonical/strict_json.hpp"
#include "providers/codec.hpp"
#include "providers/sse/sse.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace switchyard::fuzz {

enum class Direction { request, response, stream, error };

inline Direction direction_of(std::uint8_t selector) {
  return static_cast<Direction>(selector % 4);
}

// A canary key: it must never come back in an error message.
inline constexpr std::string_view kCanaryKey = "sk-fuzz-canary-0123456789";

inline config::Provider fuzz_provider() {
  config::Provider provider;
  provider.name = std::string("fuzz");
  provider.api_key = std::string(kCanaryKey);
  return provider;
}

inline config::Endpoint fuzz_endpoint() {
  config::Endpoint endpoint;
  endpoint.upstream_model = std::string("upstream-model");
  return endpoint;
}

// What we send to a client or an upstream must be JSON a strict parser takes.
inline boost::json::value parse_ours(std::string_view text) {
  boost::json::value value;
  std::string reason;
  if (!parse_json_strict(text, value, reason)) {
    std::fprintf(stderr, "not strict JSON (%s): %.*s\n", reason.c_str(),
                 static_cast<int>(std::min<std::size_t>(text.size(), 400)), text.data());
    invariant_failed("our own output is strict JSON");
  }
  return value;
}

inline void check_usage(const providers::Usage& usage) {
  SWITCHYARD_FUZZ_CHECK(usage.prompt_tokens >= 0);
  SWITCHYARD_FUZZ_CHECK(usage.completion_tokens >= 0);
  SWITCHYARD_FUZZ_CHECK(usage.cached_prompt_tokens >= 0);
  SWITCHYARD_FUZZ_CHECK(usage.cache_creation_tokens >= 0);
  SWITCHYARD_FUZZ_CHECK(usage.reasoning_tokens >= 0);
  SWITCHYARD_FUZZ_CHECK(all_numbers_finite(usage.raw));
}

// Upstream error text is shown to clients: bounded, never the key, and the
// error bodies that carry it (both dialects) stay strict JSON.
inline void check_error(const providers::UpstreamError& error) {
  SWITCHYARD_FUZZ_CHECK(error.message.size() <= 400);
  SWITCHYARD_FUZZ_CHECK(error.message.find(kCanaryKey) == std::string::npos);
  parse_ours(error_body(make_error(ErrorCode::upstream_error, error.message)));
  parse_ours(providers::anthropic_error_body(502, error.message));
}

// Decodes `bytes` as SSE, as the relay does, and hands each event to
// `on_event` until it returns false.
template <class OnEvent>
void for_each_event(std::string_view bytes, OnEvent on_event) {
  providers::SseDecoder decoder;
  bool going = true;
  decoder.feed(bytes, [&](const providers::SseEvent& event) {
    if (going) going = on_event(event);
  });
}

// A codec primed for a whole or a streamed answer (the mode comes from the
// request it encoded), as the attempt uses it.
inline std::unique_ptr<providers::Codec> primed_codec(std::unique_ptr<providers::Codec> codec,
                                                      bool stream) {
  ChatRequest request;
  ParseError error;
  std::string_view body =
      stream ? R"({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]})"
             : R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";
  if (!parse_chat_request(body, request, error)) invariant_failed("the priming request parses");
  codec->encode(request, fuzz_provider(), fuzz_endpoint(), config::Model{});
  return codec;
}

// Feeds `payload` to the codec in two pieces (split where its first byte
// says), the second with end_of_stream, as the attempt does; checks every
// chunk, the usage and any error.
// `chunks_are_ours`: the codec writes its chunks itself (a translator), rather
// than relaying the upstream's as sent.
inline providers::BodyOutput feed_body(providers::Codec& codec, std::string_view payload,
                                       bool chunks_are_ours) {
  providers::BodyOutput out;
  std::size_t split =
      payload.empty() ? 0 : static_cast<unsigned char>(payload[0]) % (payload.size() + 1);
  for (int piece = 0; piece < 2 && out.end == providers::BodyEnd::more; ++piece) {
    std::string_view bytes = piece == 0 ? payload.substr(0, split) : payload.substr(split);
    codec.on_body(bytes, piece == 1, out);
    if (!chunks_are_ours) continue;
    for (const std::string& chunk : out.chunks)
      SWITCHYARD_FUZZ_CHECK(parse_ours(chunk).is_object());
  }
  if (out.end == providers::BodyEnd::failed) check_error(out.error);
  check_usage(out.usage);
  if (!out.completion.empty()) parse_ours(boost::json::serialize(out.completion));
  SWITCHYARD_FUZZ_CHECK(all_numbers_finite(boost::json::value(out.stream.extras)));
  return out;
}

// An upstream's error answer: the first payload byte picks the status, which
// is returned (0 for an empty payload) beside the checked error.
inline int fuzz_codec_error(std::unique_ptr<providers::Codec> codec, std::string_view payload,
                            providers::UpstreamError& error) {
  if (payload.empty()) return 0;
  int status = 400 + static_cast<unsigned char>(payload[0]) % 200;
  error = codec->map_error(status, payload.substr(1));
  check_error(error);
  return status;
}

// The four directions of a target, one function each.
struct Directions {
  void (*request)(std::string_view payload);
  void (*response)(std::string_view payload);
  void (*stream)(std::string_view payload);
  void (*error)(std::string_view payload);
};

// One fuzz input: its first byte picks the direction, the rest is the payload.
inline int run_direction(const std::uint8_t* bytes, std::size_t size,
                         const Directions& directions) {
  if (size == 0) return 0;
  std::string_view payload = as_text(bytes + 1, size - 1);
  switch (direction_of(bytes[0])) {
    case Direction::request:
      directions.request(payload);
      break;
    case Direction::response:
      directions.response(payload);
      break;
    case Direction::stream:
      directions.stream(payload);
      break;
    case Direction::error:
      directions.error(payload);
      break;
  }
  return 0;
}

}  // namespace switchyard::fuzz
