#pragma once
// One upstream attempt, on the network: connect (pooled), send, read the
// answer, and for streams relay SSE events to the client as they arrive.
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
  // The upstream's stream ended (cleanly or by closing) without saying it was
  // done: no [DONE], finish_reason or message_stop. Set with !success.
  bool truncated = false;
  providers::UpstreamError failure;  // when !success
  boost::json::object completion;    // non-stream success: canonical body
  std::unique_ptr<providers::Codec> codec;
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
  // Headers for the client response when this attempt commits the stream.
  std::vector<std::pair<std::string, std::string>> response_headers;
};

boost::asio::awaitable<AttemptResult> run_attempt(AttemptInput& input);

// Retry-After: delta seconds or an HTTP date.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

}  // namespace switchyard
