#pragma once
// One upstream attempt, like Envoy's UpstreamRequest: acquire a pooled
// connection (under the endpoint's cap), send, read the head, read the body
// or relay the stream's events to the client as they arrive, then give the
// connection back (only when the exchange ended cleanly) or close it.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "config/snapshot.hpp"
#include "gateway/accounting/usage_record.hpp"
#include "gateway/errors.hpp"
#include "gateway/flow/dialects/client_dialect.hpp"
#include "providers/canonical/chat_request.hpp"
#include "providers/codec.hpp"

namespace switchyard {

class Session;

struct AttemptResult {
  // `completion` allocates from the request's arena (see ChatRequest).
  explicit AttemptResult(boost::json::storage_ptr storage) : completion(std::move(storage)) {}

  AttemptRecord record;
  bool success = false;
  bool committed = false;  // bytes reached the client: no fallback now
  bool client_gone = false;
  // The stream ended (closed, or a clean end of body) without the upstream
  // saying it was complete: never a success, whatever was relayed.
  bool truncated = false;
  providers::UpstreamError failure;     // when !success
  boost::json::object completion;       // non-stream success: canonical body
  providers::Usage usage;               // cumulative, as the upstream reported it
  providers::StreamIdentity stream;     // id / created / model for the final chunk
  std::vector<std::string> dropped;     // request parameters the upstream could not take
  double ttft_ms = -1;                  // from request start, first byte to the client
  double upstream_first_token_ms = -1;  // from request sent to first event
  double upstream_wait_ms = 0;
  std::int64_t chunks_relayed = 0;
  std::string stream_tail;  // bytes the caller still has to send (finish)
};

struct AttemptInput {
  Session& session;
  const ChatRequest& chat;
  const config::EndpointRef& endpoint;
  const std::string& request_id;
  std::chrono::steady_clock::time_point request_start;
  ClientStream* client_stream = nullptr;  // streams only
  // Non-streamed requests: request sent -> whole answer (the provider's
  // timeouts.response, else the global default).
  config::Millis response_timeout{600'000};
  // Headers for the client response when this attempt commits the stream.
  std::vector<std::pair<std::string, std::string>> response_headers;
};

boost::asio::awaitable<AttemptResult> run_attempt(AttemptInput& input);

}  // namespace switchyard
