#pragma once
// Internal to the attempt: the state one upstream try works with, shared by
// attempt.cpp (acquire, send, head, whole answers, errors) and
// stream_relay.cpp (streams), so each step stays a short function.
#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "gateway/accounting/metrics.hpp"
#include "gateway/flow/attempt.hpp"
#include "gateway/http/server.hpp"
#include "providers/codec.hpp"
#include "providers/upstream/pool.hpp"
#include "providers/upstream/response_reader.hpp"

namespace switchyard::flow {

using Clock = std::chrono::steady_clock;
using providers::BodyEnd;
using providers::FailureKind;
using providers::ReaderError;
using ReaderStatus = providers::ResponseReader::Status;

inline double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The attempt outcome for a failure kind, as the usage record and the
// upstream_errors_total{kind} label spell it.
const char* outcome_name(FailureKind kind);

// Measures time spent waiting on the upstream.
struct WaitTimer {
  double& total;
  Clock::time_point start = Clock::now();
  ~WaitTimer() { total += ms_since(start); }
};

struct Exchange {
  AttemptInput& input;
  const config::Provider& provider;
  Worker& worker;
  AttemptResult& result;
  std::unique_ptr<providers::Codec> codec;
  providers::BodyOutput out;
  providers::Lease lease;
  providers::ResponseReader reader;
  std::string body;          // bytes read, not yet handed to the codec
  std::string client_bytes;  // what one read becomes for the client (reused: no malloc per read)
  Clock::time_point start = Clock::now();
  Clock::time_point sent_at = Clock::now();

  Metrics& metrics() { return worker.gateway().accounting().metrics(); }
  std::string name() const { return "provider '" + provider.name + "'"; }

  void fail(FailureKind kind, std::string message, int status = 0) {
    result.failure.kind = kind;
    result.failure.message = std::move(message);
    result.failure.status = status;
    result.record.outcome = outcome_name(kind);
    result.record.status = status;
  }
  // Bytes have gone upstream: from here a failure may still be billed.
  void fail_after_send(FailureKind kind, std::string message, int status = 0) {
    result.record.may_have_billed = true;
    fail(kind, std::move(message), status);
  }
};

// Gives the connection back or closes it (the lease decides, by the
// reader), and counts bytes beyond the response as a protocol fault.
void settle_connection(Exchange& x);
// One more read into x.body when the response is not over yet.
boost::asio::awaitable<boost::system::error_code> read_more(Exchange& x, config::Millis timeout);
// A 2xx event stream relayed to the client as it arrives.
boost::asio::awaitable<void> relay_stream(Exchange& x);

}  // namespace switchyard::flow
