#include "gateway/flow/attempt.hpp"

#include <ctime>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "gateway/http/server.hpp"
#include "gateway/http/session.hpp"
#include "providers/redact_secret.hpp"
#include "providers/sse/sse.hpp"
#include "providers/upstream/pool.hpp"

namespace switchyard {

namespace {

using Clock = std::chrono::steady_clock;
using providers::FailureKind;
constexpr std::size_t kErrorBodyLimit = 64 * 1024;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

const char* outcome_name(FailureKind kind) {
  switch (kind) {
    case FailureKind::none:
      return "ok";
    case FailureKind::connect:
      return "connect_error";
    case FailureKind::tls:
      return "tls_error";
    case FailureKind::timeout:
      return "timeout";
    case FailureKind::server_error:
      return "server_error";
    case FailureKind::rate_limited:
      return "rate_limited";
    case FailureKind::client_error:
      return "client_error";
    case FailureKind::protocol:
      return "protocol_error";
  }
  return "protocol_error";
}

// Classifies a network error during an exchange.
FailureKind network_failure(const boost::system::error_code& ec) {
  return ec == beast::error::timeout ? FailureKind::timeout : FailureKind::protocol;
}

// Measures time spent waiting on the upstream.
struct WaitTimer {
  double& total;
  Clock::time_point start = Clock::now();
  ~WaitTimer() { total += ms_since(start); }
};

}  // namespace

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  bool digits = value.find_first_not_of("0123456789") == std::string_view::npos;
  if (digits) {
    if (value.size() > 9) return std::chrono::seconds(999'999'999);
    return std::chrono::seconds(std::stoll(std::string(value)));
  }
  std::tm tm{};
  std::string text(value);
  if (strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) == nullptr) return std::nullopt;
  auto at = std::chrono::system_clock::from_time_t(timegm(&tm));
  auto delta = std::chrono::duration_cast<std::chrono::seconds>(at - now);
  return delta.count() > 0 ? delta : std::chrono::seconds(0);
}

namespace {

// Reads a bounded error body; false when the connection cannot be reused.
net::awaitable<bool> read_small_body(providers::UpstreamConnection& connection,
                                     providers::ResponseParser& parser, std::string& body,
                                     config::Millis timeout) {
  while (!parser.is_done()) {
    auto ec = co_await connection.read_body_some(parser, body, kErrorBodyLimit, timeout);
    if (ec) co_return false;
  }
  co_return true;
}

}  // namespace

net::awaitable<AttemptResult> run_attempt(AttemptInput& input) {
  const config::Provider& provider = *input.endpoint.provider;
  const config::Endpoint& endpoint = *input.endpoint.endpoint;
  const config::Model& model = *input.endpoint.model;
  Worker& worker = input.session.worker();
  const auto& limits = input.session.limits();
  auto attempt_start = Clock::now();

  AttemptResult result(input.chat.body.storage());
  result.record.model = model.id;
  result.record.provider = provider.name;
  result.record.upstream_model = endpoint.upstream_model;
  result.codec = providers::make_codec(provider.kind);
  auto fail = [&](FailureKind kind, std::string message, int status = 0) {
    result.failure.kind = kind;
    result.failure.message = std::move(message);
    result.failure.status = status;
    result.record.outcome = outcome_name(kind);
    result.record.status = status;
    result.record.duration_ms = ms_since(attempt_start);
  };

  providers::UpstreamRequest encoded = result.codec->encode(input.chat, provider, endpoint, model);
  encoded.headers.emplace_back("Content-Type", "application/json");
  encoded.headers.emplace_back("Accept",
                               input.chat.stream ? "text/event-stream" : "application/json");
  encoded.headers.emplace_back("User-Agent", "switchyard");
  encoded.headers.emplace_back("x-request-id", input.request_id);
  const std::string request = providers::serialize_request(
      "POST", provider.url.base_path + encoded.path, provider.url, encoded.headers, encoded.body);

  // A pooled connection the upstream already closed fails before any response
  // byte; that is not the endpoint's fault, so retry once on a fresh one.
  std::unique_ptr<providers::UpstreamConnection> connection;
  // Re-created per try: a parser cannot be reset.
  std::optional<providers::ResponseParser> parser;
  // Time to first token counts from when the request goes out: a non-streamed
  // answer (and many a stream) arrives only with its response head.
  Clock::time_point sent_at = Clock::now();
  for (int tries = 0; tries < 2; ++tries) {
    providers::ConnectResult connected;
    {
      WaitTimer wait{result.upstream_wait_ms};
      connected = co_await worker.pool().acquire(provider);
    }
    if (!connected.connection) {
      fail(connected.failure, connected.message);
      co_return result;
    }
    connection = std::move(connected.connection);
    parser.emplace();
    // Streams are relayed, never held whole: only a buffered body is capped.
    parser->body_limit(input.chat.stream ? std::numeric_limits<std::uint64_t>::max()
                                         : limits.max_upstream_body_bytes);
    boost::system::error_code ec;
    {
      WaitTimer wait{result.upstream_wait_ms};
      sent_at = Clock::now();
      ec = co_await connection->write(request, provider.timeouts.first_byte);
      if (!ec) ec = co_await connection->read_header(*parser, provider.timeouts.first_byte);
    }
    if (!ec) break;
    bool stale = connection->reused && ec != beast::error::timeout;
    connection->close();
    connection.reset();
    if (stale && tries == 0) continue;
    result.record.may_have_billed = ec == beast::error::timeout;
    fail(network_failure(ec), ec == beast::error::timeout
                                  ? "provider '" + provider.name + "' did not answer in time"
                                  : "provider '" + provider.name + "' closed the connection");
    co_return result;
  }

  providers::ResponseParser& response = *parser;
  int status = response.get().result_int();
  if (status < 200 || status >= 300) {
    std::string body;
    bool reusable =
        co_await read_small_body(*connection, response, body, provider.timeouts.between_chunks);
    providers::UpstreamError error = result.codec->decode_error(status, body);
    auto retry_after = response.get()[http::field::retry_after];
    if (!retry_after.empty()) {
      error.retry_after = parse_retry_after(retry_after, std::chrono::system_clock::now());
    }
    if (reusable && response.get().keep_alive()) {
      worker.pool().release(provider, std::move(connection));
    } else {
      connection->close();
    }
    result.failure = error;
    result.record.outcome = outcome_name(error.kind);
    result.record.status = status;
    result.record.duration_ms = ms_since(attempt_start);
    co_return result;
  }
  result.record.status = status;

  if (!input.chat.stream) {
    std::string body;
    boost::system::error_code ec;
    {
      WaitTimer wait{result.upstream_wait_ms};
      while (!response.is_done() && !ec) {
        ec = co_await connection->read_body_some(response, body, limits.max_upstream_body_bytes,
                                                 provider.timeouts.between_chunks);
      }
    }
    if (ec) {
      connection->close();
      result.record.may_have_billed = true;
      fail(network_failure(ec),
           ec == http::error::body_limit
               ? "provider '" + provider.name + "' sent a response that is too large"
               : "provider '" + provider.name + "' broke off its response",
           status);
      co_return result;
    }
    if (response.get().keep_alive()) {
      worker.pool().release(provider, std::move(connection));
    } else {
      connection->close();
    }
    providers::UpstreamError error;
    if (!result.codec->decode_response(body, result.completion, error)) {
      result.record.may_have_billed = true;
      fail(error.kind, error.message, status);
      co_return result;
    }
    result.success = true;
    result.record.outcome = "ok";
    result.upstream_first_token_ms = ms_since(sent_at);
    result.record.duration_ms = ms_since(attempt_start);
    co_return result;
  }

  // Streaming: relay events as they arrive. Nothing reaches the client until
  // the first chunk, so failures before it can still fall back.
  auto content_type = response.get()[http::field::content_type];
  if (content_type.find("text/event-stream") == std::string_view::npos) {
    connection->close();
    result.record.may_have_billed = true;
    fail(FailureKind::protocol,
         "provider '" + provider.name + "' answered a stream request without an event stream",
         status);
    co_return result;
  }
  providers::SseDecoder decoder;
  std::vector<std::string> chunks;
  std::string pending;  // client bytes produced by this read
  std::string raw;
  providers::StreamStep step = providers::StreamStep::more;
  providers::UpstreamError stream_error;
  bool upstream_failed = false;
  std::string failure_message;

  auto commit = [&]() -> net::awaitable<bool> {
    http::response<http::empty_body> header{http::status::ok, 11};
    header.set(http::field::content_type, input.client_stream->content_type());
    header.set(http::field::cache_control, "no-cache");
    header.set(http::field::server, "switchyard");
    for (auto& [name, value] : input.response_headers) header.set(name, value);
    header.chunked(true);
    header.keep_alive(true);
    result.committed = true;
    co_return co_await input.session.write_stream_header(header);
  };

  while (step == providers::StreamStep::more) {
    raw.clear();
    boost::system::error_code ec;
    {
      WaitTimer wait{result.upstream_wait_ms};
      ec = co_await connection->read_body_some(response, raw, 64 * 1024,
                                               provider.timeouts.between_chunks);
    }
    if (ec) {
      upstream_failed = true;
      stream_error.kind = network_failure(ec);
      failure_message = ec == beast::error::timeout
                            ? "provider '" + provider.name + "' stalled mid-stream"
                            : "provider '" + provider.name + "' broke off the stream";
      break;
    }
    chunks.clear();
    bool within_limit = decoder.feed(raw, [&](const providers::SseEvent& event) {
      if (step != providers::StreamStep::more) return;
      step = result.codec->on_event(event, chunks, stream_error);
    });
    if (!within_limit) {
      step = providers::StreamStep::failed;
      stream_error = {FailureKind::protocol, 0, "provider sent an oversized stream event", {}};
    }
    if (!chunks.empty() && result.upstream_first_token_ms < 0) {
      result.upstream_first_token_ms = ms_since(sent_at);
    }
    pending.clear();
    for (std::string& chunk : chunks) {
      providers::redact_secret(chunk, provider.api_key);  // relayed text may echo the key
      input.client_stream->on_chunk(chunk, pending);
    }
    result.chunks_relayed += static_cast<std::int64_t>(chunks.size());
    if (!pending.empty()) {
      if (!result.committed && !co_await commit()) {
        result.client_gone = true;
        break;
      }
      if (result.ttft_ms < 0) result.ttft_ms = ms_since(input.request_start);
      if (!co_await input.session.write_chunk(pending)) {
        result.client_gone = true;
        break;
      }
    }
    if (step == providers::StreamStep::failed) {
      upstream_failed = true;
      failure_message = stream_error.message;
      break;
    }
    if (response.is_done() && step == providers::StreamStep::more) {
      // The body ended cleanly without a terminal event: take it as the end.
      step = providers::StreamStep::done;
    }
  }

  result.record.duration_ms = ms_since(attempt_start);
  if (result.client_gone) {
    // Cancel the upstream: closing is the only cancel HTTP/1.1 has.
    connection->close();
    result.record.outcome = "client_gone";
    result.record.may_have_billed = true;
    co_return result;
  }
  if (upstream_failed) {
    connection->close();
    result.record.may_have_billed = true;
    fail(stream_error.kind, failure_message, status);
    co_return result;
  }
  // Done: drain what is left of the body so the connection can be reused.
  bool reusable = response.is_done() && response.get().keep_alive();
  if (!response.is_done()) {
    std::string rest;
    reusable =
        co_await read_small_body(*connection, response, rest, provider.timeouts.between_chunks) &&
        response.get().keep_alive();
  }
  if (reusable) {
    worker.pool().release(provider, std::move(connection));
  } else {
    connection->close();
  }
  if (!result.committed) {
    // An empty stream: still open the client stream so it gets a proper end.
    if (!co_await commit()) {
      result.client_gone = true;
      result.record.outcome = "client_gone";
      co_return result;
    }
    if (result.ttft_ms < 0) result.ttft_ms = ms_since(input.request_start);
  }
  result.success = true;
  result.record.outcome = "ok";
  co_return result;
}

}  // namespace switchyard
