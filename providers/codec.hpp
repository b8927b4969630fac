#pragma once
// A codec speaks one upstream's wire format. One instance per attempt: it
// encodes the canonical (OpenAI-shaped) request, turns the upstream's answer
// back into canonical OpenAI JSON or chunks, and keeps the cumulative usage.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "config/config.hpp"
#include "providers/canonical/usage.hpp"
#include "providers/sse/sse.hpp"

namespace switchyard {
struct ChatRequest;
}

namespace switchyard::providers {

struct UpstreamRequest {
  std::string path;  // appended to the provider's base path, e.g. "/chat/completions"
  std::vector<std::pair<std::string, std::string>> headers;  // includes auth
  std::string body;
};

// How an upstream failure counts for retry and fallback.
enum class FailureKind {
  none,
  connect,
  tls,
  timeout,
  server_error,
  rate_limited,
  client_error,
  protocol
};

struct UpstreamError {
  FailureKind kind = FailureKind::protocol;
  int status = 0;       // upstream HTTP status, 0 when none
  std::string message;  // safe to show: never contains keys or hosts
  std::optional<std::chrono::seconds> retry_after;
};

enum class StreamStep { more, done, failed };

class Codec {
 public:
  virtual ~Codec() = default;

  virtual UpstreamRequest encode(const ChatRequest& request, const config::Provider& provider,
                                 const config::Endpoint& endpoint, const config::Model& model) = 0;

  // A 2xx non-streaming body -> canonical chat.completion object. False (and
  // `error`) when the body is not what the upstream's format promises.
  virtual bool decode_response(std::string_view body, boost::json::object& out,
                               UpstreamError& error) = 0;

  // One SSE event -> zero or more canonical chunk payloads (serialised JSON,
  // without "data: "). The upstream's own usage-only chunk is swallowed: usage
  // is kept here and the flow emits the final usage chunk itself. `done` at the
  // end of the stream; `failed` with `error` for an in-stream error event.
  virtual StreamStep on_event(const SseEvent& event, std::vector<std::string>& chunks,
                              UpstreamError& error) = 0;

  // A non-2xx response -> error, with Retry-After already parsed by the caller.
  virtual UpstreamError decode_error(int status, std::string_view body) = 0;

  virtual const Usage& usage() const = 0;
  // id / created / model of the stream, to build the final usage chunk.
  virtual std::string stream_id() const = 0;
  virtual std::int64_t stream_created() const = 0;
  virtual std::string stream_model() const = 0;
  // Top-level fields of the upstream's own (swallowed) usage chunk that are
  // not part of the OpenAI chunk shape, e.g. llama.cpp's `timings`: the flow
  // puts them on the usage chunk it emits, so they still reach the client.
  virtual boost::json::object stream_extras() const { return {}; }
};

std::unique_ptr<Codec> make_openai_codec();
std::unique_ptr<Codec> make_anthropic_codec();
inline std::unique_ptr<Codec> make_codec(config::ProviderKind kind) {
  return kind == config::ProviderKind::anthropic ? make_anthropic_codec() : make_openai_codec();
}

// Shared helper: read an OpenAI-shaped usage object into Usage.
void read_openai_usage(const boost::json::object& usage_object, Usage& usage);

}  // namespace switchyard::providers
