#include "gateway/flow/record_guard.hpp"

namespace switchyard {

RecordGuard::RecordGuard(RecordSink sink, UsageRecord record, Clock::time_point start)
    : sink_(std::move(sink)), record_(std::move(record)), start_(start) {}

RecordGuard::~RecordGuard() {
  if (written_) return;
  // Nobody settled the request: its coroutine was torn down before it could
  // (the process stopping under it). Say so rather than lose the record.
  if (!settled_) {
    settle(Outcome::shutdown, response_started_ ? 200 : outcome_info(Outcome::shutdown).status);
  }
  write();
}

void RecordGuard::settle(Outcome outcome, int status) {
  record_.outcome = record_name(outcome);
  record_.status = status;
  settled_ = true;
}

void RecordGuard::write() {
  if (written_) return;
  written_ = true;
  record_.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - start_).count();
  if (sink_) sink_(record_);
}

}  // namespace switchyard
