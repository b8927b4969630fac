#pragma once
// The record guard owns a request's UsageRecord from the moment the request
// is read and hands it to accounting exactly once, whatever the exit: a
// normal end, an error reply, a client that left, cancellation at shutdown,
// or the coroutine frame being destroyed. "Exactly once" holds by
// construction: write() is idempotent and the destructor writes what was not
// written, so no path has to remember.
#include <chrono>
#include <functional>

#include "gateway/accounting/usage_record.hpp"
#include "gateway/flow/outcome.hpp"

namespace switchyard {

using RecordSink = std::function<void(const UsageRecord&)>;

class RecordGuard {
 public:
  using Clock = std::chrono::steady_clock;

  RecordGuard(RecordSink sink, UsageRecord record, Clock::time_point start);
  ~RecordGuard();
  RecordGuard(const RecordGuard&) = delete;
  RecordGuard& operator=(const RecordGuard&) = delete;

  UsageRecord& record() { return record_; }
  const UsageRecord& record() const { return record_; }

  // How the request ended and the status the client saw (the last call before
  // write() wins).
  void settle(Outcome outcome, int status);
  // The response has started (the 200 head went out): an unsettled end is
  // then reported with that status rather than the outcome's own.
  void response_started() { response_started_ = true; }
  bool settled() const { return settled_; }

  // Writes the record now, with the duration so far. Later calls do nothing.
  void write();
  bool written() const { return written_; }

 private:
  RecordSink sink_;
  UsageRecord record_;
  Clock::time_point start_;
  bool settled_ = false;
  bool response_started_ = false;
  bool written_ = false;
};

}  // namespace switchyard
