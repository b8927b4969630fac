#pragma once
// A codec speaks one upstream's wire format. One instance per attempt: it
// encodes the canonical (OpenAI-shaped) request, takes the answer's head and
// body bytes and turns them into canonical OpenAI JSON or chunks with the
// cumulative usage and the stream's end state, and maps upstream errors.
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
#include "providers/upstream/response_reader.hpp"

namespace switchyard {
struct ChatRequest;
}

namespace switchyard::providers {

struct UpstreamRequest {
  std::string path;  // appended to the provider's base path, e.g. "/chat/completions"
  std::vector<std::pair<std::string, std::string>> headers;  // includes auth
  std::string body;
  std::vector<std::string> dropped;  // what could not be carried over, for logs and tests
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
  protocol,
  overloaded  // our own cap on connections to the endpoint: wait ran out
};

struct UpstreamError {
  FailureKind kind = FailureKind::protocol;
  int status = 0;       // upstream HTTP status, 0 when none
  std::string message;  // safe to show: never contains keys or hosts
  std::optional<std::chrono::seconds> retry_after;
};

// Where a body stands after the bytes so far. A stream is `complete` only when
// the upstream said so (OpenAI: [DONE] or a finish_reason; Anthropic:
// message_stop); a body that ends without that is `truncated`.
enum class BodyEnd { more, complete, truncated, failed };

// What a stream is called on the wire, so the final usage chunk the gateway
// writes can carry the same id / created / model as the upstream's chunks.
struct StreamIdentity {
  std::string id;
  std::int64_t created = 0;
  std::string model;
  // Top-level fields of the upstream's own (swallowed) usage chunk that are
  // not part of the OpenAI chunk shape, e.g. llama.cpp's `timings`.
  boost::json::object extras;
};

// One per attempt, handed to every on_body call: the codec adds to it.
struct BodyOutput {
  explicit BodyOutput(boost::json::storage_ptr storage = {}) : completion(std::move(storage)) {}

  std::vector<std::string> chunks;  // this call's canonical chunk payloads (JSON, no "data: ")
  boost::json::object completion;   // a non-streamed answer, canonical, once complete
  Usage usage;                      // cumulative over the body
  StreamIdentity stream;
  BodyEnd end = BodyEnd::more;
  UpstreamError error;  // when end is failed
};

// One upstream wire format for one request kind, in the spirit of Envoy AI
// Gateway's translators. One instance per attempt; no I/O.
class Codec {
 public:
  virtual ~Codec() = default;

  // The canonical request as the upstream wants it. Parameters that cannot be
  // carried over are listed in UpstreamRequest::dropped.
  virtual UpstreamRequest encode(const ChatRequest& request, const config::Provider& provider,
                                 const config::Endpoint& endpoint, const config::Model& model) = 0;

  // The head of a 2xx answer. False (and `error`) when it cannot be the
  // answer asked for, e.g. a stream request answered without an event stream.
  virtual bool on_head(const ResponseHead& head, UpstreamError& error) = 0;

  // Body bytes as they arrive; `end_of_stream` once the body is over (framed
  // end or close). Replaces out.chunks with this call's chunks and keeps the
  // rest of `out` cumulative. Nothing changes once out.end is not `more`.
  virtual void on_body(std::string_view bytes, bool end_of_stream, BodyOutput& out) = 0;

  // A non-2xx answer and its (bounded) body -> error; the caller adds the
  // parsed Retry-After.
  virtual UpstreamError map_error(int status, std::string_view body) = 0;
};

std::unique_ptr<Codec> make_openai_codec();
std::unique_ptr<Codec> make_anthropic_codec();
inline std::unique_ptr<Codec> make_codec(config::ProviderKind kind) {
  return kind == config::ProviderKind::anthropic ? make_anthropic_codec() : make_openai_codec();
}

// Shared helper: read an OpenAI-shaped usage object into Usage.
void read_openai_usage(const boost::json::object& usage_object, Usage& usage);

}  // namespace switchyard::providers
