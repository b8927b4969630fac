#include "gateway/flow/attempt.hpp"
#include "gateway/flow/exchange.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "gateway/accounting/metrics.hpp"
#include "gateway/http/server.hpp"
#include "gateway/http/session.hpp"
#include "providers/sse/sse.hpp"
#include "providers/upstream/pool.hpp"
#include "providers/upstream/request_writer.hpp"
#include "providers/upstream/retry_after.hpp"

namespace switchyard {

namespace flow {

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
      return "protocol";
    case FailureKind::overloaded:
      return "overloaded";
  }
  return "protocol";
}

// Gives the connection back or closes it (the lease decides, by the reader),
// and counts bytes beyond the response: a protocol fault even when the
// answer itself was good.
void settle_connection(Exchange& x) {
  if (x.reader.extra_bytes() > 0) x.metrics().upstream_protocol_error(x.provider.name);
  x.lease.finish(x.reader);
}

// One more read into x.body when the response is not over yet.
boost::asio::awaitable<boost::system::error_code> read_more(Exchange& x, config::Millis timeout) {
  if (x.reader.status() != ReaderStatus::need_more) co_return boost::system::error_code{};
  WaitTimer wait{x.result.upstream_wait_ms};
  co_return co_await x.lease->read_into(x.reader, x.body, timeout);
}

}  // namespace flow

namespace {

using namespace flow;
constexpr std::size_t kErrorBodyLimit = 64 * 1024;

std::string encode_request(Exchange& x) {
  const AttemptInput& input = x.input;
  providers::UpstreamRequest encoded =
      x.codec->encode(input.chat, x.provider, *input.endpoint.endpoint, *input.endpoint.model);
  encoded.headers.emplace_back("Content-Type", "application/json");
  encoded.headers.emplace_back("Accept",
                               input.chat.stream ? "text/event-stream" : "application/json");
  encoded.headers.emplace_back("User-Agent", "switchyard");
  encoded.headers.emplace_back("x-request-id", input.request_id);
  x.result.dropped = std::move(encoded.dropped);
  return providers::serialize_request("POST", x.provider.url.base_path + encoded.path,
                                      x.provider.url, encoded.headers, encoded.body);
}

net::awaitable<bool> acquire(Exchange& x) {
  providers::AcquireResult acquired;
  {
    WaitTimer wait{x.result.upstream_wait_ms};
    acquired = co_await x.worker.pool().acquire(x.provider);
  }
  for (int i = 0; i < acquired.unsolicited; ++i)
    x.metrics().upstream_protocol_error(x.provider.name);
  if (!acquired.lease) {
    x.fail(acquired.failure, acquired.message);
    // Our own queue ran out, not the upstream: a short wait is worth it.
    if (acquired.failure == FailureKind::overloaded)
      x.result.failure.retry_after = std::chrono::seconds(1);
    co_return false;
  }
  x.lease = std::move(acquired.lease);
  co_return true;
}

// How long to wait for the response head. A non-streamed answer arrives
// with its head, once it is generated: that wait is the response deadline,
// not first_byte.
config::Millis head_timeout(const Exchange& x) {
  return x.input.chat.stream ? x.provider.timeouts.first_byte : x.input.response_timeout;
}

// The idle limit for one more body read; a non-streamed answer must also end
// within its response deadline.
config::Millis body_read_timeout(const Exchange& x) {
  config::Millis idle = x.provider.timeouts.between_chunks;
  if (x.input.chat.stream) return idle;
  auto left = std::chrono::duration_cast<config::Millis>(x.sent_at + x.input.response_timeout -
                                                         Clock::now());
  return std::max(config::Millis(1), std::min(idle, left));
}

// The head did not come. Whether the upstream may be generating decides if
// another endpoint may be tried (see RequestFlow::attempts).
void fail_without_head(Exchange& x, const boost::system::error_code& ec, bool written) {
  if (!written) {
    // The request did not get out whole: an upstream cannot act on a
    // partial request, so nothing is generated or billed.
    x.fail(FailureKind::protocol, x.name() + " closed the connection before taking the request");
  } else if (ec == beast::error::timeout) {
    // It has the request and is silent: it may well be generating.
    x.fail_after_send(FailureKind::timeout, x.name() + " did not answer in time");
  } else if (x.reader.status() == ReaderStatus::error &&
             x.reader.error() != ReaderError::closed_before_response) {
    // 101, malformed heads, a flood of 1xx: never the answer.
    x.fail_after_send(FailureKind::protocol, x.name() + " sent an invalid response (" +
                                                 std::string(to_string(x.reader.error())) + ")");
  } else {
    x.fail_after_send(FailureKind::protocol, x.name() + " closed the connection");
  }
}

// Sends the request and reads the final response head. A pooled connection
// the upstream closed while idle fails before any response byte; that is
// not the endpoint's fault, so it is retried once on another connection
// (an idle close races our write: the upstream never took the request).
net::awaitable<bool> send_and_read_head(Exchange& x, const std::string& request) {
  const config::Millis write_timeout = x.provider.timeouts.first_byte;
  for (int tries = 0; tries < 2; ++tries) {
    if (!co_await acquire(x)) co_return false;
    x.reader.reset();
    x.body.clear();
    boost::system::error_code ec;
    bool written = false;
    {
      WaitTimer wait{x.result.upstream_wait_ms};
      // Time to first token counts from when the request goes out: a
      // non-streamed answer (and many a stream) arrives with its head.
      x.sent_at = Clock::now();
      ec = co_await x.lease->write(request, write_timeout);
      written = !ec;
      if (written) ec = co_await x.lease->read_head(x.reader, x.body, head_timeout(x));
    }
    if (!ec && x.reader.head_ready()) co_return true;
    bool reused = x.lease->reused;
    x.lease.close();
    bool stale = reused && ec != beast::error::timeout && !x.reader.any_byte();
    if (stale && tries == 0) continue;
    fail_without_head(x, ec, written);
    co_return false;
  }
  co_return false;
}

// A non-2xx answer: read a bounded body for the error message, map it. An
// error status is the upstream's own answer that it did not do the work (a
// 429 or 503 before generating, a 4xx refusing the request, a 500): nothing
// to bill, so the attempt is not "possibly billed" and a fallback is safe.
// The body read stays inside the upstream-wait timer (read_more): a slow
// error body is upstream time, not gateway overhead.
net::awaitable<void> take_error_response(Exchange& x) {
  const int status = x.reader.head().status;
  while (x.reader.status() == ReaderStatus::need_more && x.body.size() <= kErrorBodyLimit) {
    if (co_await read_more(x, body_read_timeout(x))) break;
  }
  // Unread or broken: the lease closes the connection (the reader did not end).
  settle_connection(x);
  providers::UpstreamError error = x.codec->map_error(status, x.body);
  std::string_view retry_after = x.reader.head().header("retry-after");
  if (!retry_after.empty()) {
    error.retry_after = providers::parse_retry_after(retry_after, std::chrono::system_clock::now());
  }
  x.result.failure = error;
  x.result.record.outcome = outcome_name(error.kind);
  x.result.record.status = status;
}

// A non-streamed 2xx answer: read it whole (bounded), then decode it.
net::awaitable<void> take_whole_answer(Exchange& x) {
  const int status = x.reader.head().status;
  const std::size_t limit = x.input.session.limits().max_upstream_body_bytes;
  std::size_t total = 0;
  for (;;) {
    total += x.body.size();
    if (total > limit) {
      x.lease.close();
      x.fail_after_send(FailureKind::protocol, x.name() + " sent a response that is too large",
                        status);
      co_return;
    }
    x.codec->on_body(x.body, false, x.out);
    x.body.clear();
    if (x.reader.status() != ReaderStatus::need_more) break;
    if (auto ec = co_await read_more(x, body_read_timeout(x))) {
      x.lease.close();
      x.fail_after_send(ec == beast::error::timeout ? FailureKind::timeout : FailureKind::protocol,
                        x.name() + " broke off its response", status);
      co_return;
    }
  }
  if (x.reader.status() == ReaderStatus::error) {
    // Shorter than its Content-Length, or broken chunks: not the answer.
    x.lease.close();
    x.fail_after_send(
        FailureKind::protocol,
        x.name() + " sent a broken response (" + std::string(to_string(x.reader.error())) + ")",
        status);
    co_return;
  }
  settle_connection(x);
  x.codec->on_body({}, true, x.out);
  if (x.out.end != BodyEnd::complete) {
    x.fail_after_send(x.out.error.kind, x.out.error.message, status);
    co_return;
  }
  x.result.completion = std::move(x.out.completion);
  x.result.success = true;
  x.result.record.outcome = "ok";
  x.result.upstream_first_token_ms = ms_since(x.sent_at);
}

}  // namespace

net::awaitable<AttemptResult> run_attempt(AttemptInput& input) {
  const config::EndpointRef& ref = input.endpoint;
  AttemptResult result(input.chat.body.storage());
  result.record.model = ref.model->id;
  result.record.provider = ref.provider->name;
  result.record.upstream_model = ref.endpoint->upstream_model;
  flow::Exchange x{input,
                   *ref.provider,
                   input.session.worker(),
                   result,
                   providers::make_codec(ref.provider->kind),
                   providers::BodyOutput(input.chat.body.storage())};

  const std::string request = encode_request(x);
  if (co_await send_and_read_head(x, request)) {
    const providers::ResponseHead& head = x.reader.head();
    result.record.status = head.status;
    providers::UpstreamError refused;
    if (head.status < 200 || head.status >= 300) {
      co_await take_error_response(x);
    } else if (!x.codec->on_head(head, refused)) {
      x.lease.close();
      x.fail_after_send(refused.kind, x.name() + ": " + refused.message, head.status);
    } else if (!input.chat.stream) {
      co_await take_whole_answer(x);
    } else {
      co_await relay_stream(x);
    }
  }
  result.usage = std::move(x.out.usage);
  result.stream = std::move(x.out.stream);
  result.record.duration_ms = ms_since(x.start);
  co_return result;
}

}  // namespace switchyard
