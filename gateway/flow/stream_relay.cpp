// The streamed half of an attempt: upstream body bytes go through the codec
// and out to the client as they arrive, one client write per upstream read.
// Nothing reaches the client before the first chunk, so a failure before it
// can still fall back to another endpoint.
#include <boost/beast/http.hpp>

#include "gateway/flow/exchange.hpp"
#include "gateway/http/session.hpp"
#include "providers/redact_secret.hpp"

namespace switchyard::flow {

namespace {

// After the upstream said the stream is complete, how long to wait for the
// end of its HTTP body (the last chunk) so the connection can be reused.
// Short, because the client's last bytes wait for it; past it the
// connection is closed instead.
constexpr config::Millis kDrainWait{200};
constexpr std::size_t kDrainLimit = 64 * 1024;

net::awaitable<bool> commit(Exchange& x) {
  http::response<http::empty_body> header{http::status::ok, 11};
  header.set(http::field::content_type, x.input.client_stream->content_type());
  header.set(http::field::cache_control, "no-cache");
  header.set(http::field::server, "switchyard");
  for (auto& [name, value] : x.input.response_headers) header.set(name, value);
  header.chunked(true);
  header.keep_alive(true);
  x.result.committed = true;
  co_return co_await x.input.session.write_stream_header(header);
}

// Hands x.body to the codec and relays the chunks it made. False when the
// client is gone.
net::awaitable<bool> relay_chunks(Exchange& x, bool end_of_body) {
  x.codec->on_body(x.body, end_of_body, x.out);
  x.body.clear();
  std::vector<std::string>& chunks = x.out.chunks;
  if (chunks.empty()) co_return true;
  if (x.result.upstream_first_token_ms < 0) x.result.upstream_first_token_ms = ms_since(x.sent_at);
  std::string& pending = x.client_bytes;
  pending.clear();
  for (std::string& chunk : chunks) {
    providers::redact_secret(chunk, x.provider.api_key);  // relayed text may echo the key
    x.input.client_stream->on_chunk(chunk, pending);
  }
  x.result.chunks_relayed += static_cast<std::int64_t>(chunks.size());
  if (pending.empty()) co_return true;
  if (!x.result.committed && !co_await commit(x)) co_return false;
  if (x.result.ttft_ms < 0) x.result.ttft_ms = ms_since(x.input.request_start);
  co_return co_await x.input.session.write_chunk(pending);
}

// Reads what is left of the HTTP body after the upstream's last event,
// bounded in bytes and time; whatever it holds is not relayed.
net::awaitable<void> drain(Exchange& x) {
  std::size_t drained = 0;
  while (x.reader.status() == ReaderStatus::need_more && drained <= kDrainLimit) {
    if (co_await read_more(x, kDrainWait)) break;
    drained += x.body.size();
    x.body.clear();
  }
}

bool framing_broken(const providers::ResponseReader& reader) {
  return reader.status() == ReaderStatus::error && reader.error() != ReaderError::truncated;
}

// The stream did not end complete: say why, and never reuse the connection.
void fail_stream(Exchange& x, int status) {
  x.lease.close();
  if (x.out.end == BodyEnd::failed) {
    x.fail_after_send(x.out.error.kind, x.out.error.message, status);
  } else if (framing_broken(x.reader)) {
    x.fail_after_send(
        FailureKind::protocol,
        x.name() + " sent a broken stream (" + std::string(to_string(x.reader.error())) + ")",
        status);
  } else {
    // Closed, or a clean end of body, without [DONE] / finish_reason /
    // message_stop: what was relayed may be only part of the answer.
    x.result.truncated = true;
    x.fail_after_send(FailureKind::protocol, x.name() + " ended the stream before it was complete",
                      status);
    x.result.record.outcome = "truncated";
  }
}

}  // namespace

net::awaitable<void> relay_stream(Exchange& x) {
  const int status = x.reader.head().status;
  boost::system::error_code ec;
  for (;;) {
    bool body_over = x.reader.status() != ReaderStatus::need_more;
    if (!co_await relay_chunks(x, body_over)) {
      // Cancel the upstream: closing is the only cancel HTTP/1.1 has.
      x.lease.close();
      x.result.client_gone = true;
      x.result.record.outcome = "client_gone";
      x.result.record.may_have_billed = true;
      co_return;
    }
    if (x.out.end != BodyEnd::more || body_over) break;
    if ((ec = co_await read_more(x, x.provider.timeouts.between_chunks))) break;
  }
  if (ec) {
    x.lease.close();
    bool timed_out = ec == beast::error::timeout;
    x.fail_after_send(timed_out ? FailureKind::timeout : FailureKind::protocol,
                      x.name() + (timed_out ? " stalled mid-stream" : " broke off the stream"),
                      status);
    co_return;
  }
  if (x.out.end != BodyEnd::complete) co_return fail_stream(x, status);

  // Complete: the answer is whole; now only the connection's fate is open.
  if (x.reader.status() == ReaderStatus::need_more) co_await drain(x);
  if (framing_broken(x.reader)) x.metrics().upstream_protocol_error(x.provider.name);
  settle_connection(x);
  if (!x.result.committed) {
    // An empty stream: still open the client stream so it gets a proper end.
    if (!co_await commit(x)) {
      x.result.client_gone = true;
      x.result.record.outcome = "client_gone";
      co_return;
    }
    if (x.result.ttft_ms < 0) x.result.ttft_ms = ms_since(x.input.request_start);
  }
  x.result.success = true;
  x.result.record.outcome = "ok";
}

}  // namespace switchyard::flow
