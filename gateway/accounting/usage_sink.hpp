#pragma once
// Where a finished request's usage record goes. Accounting hands every record
// to each sink in turn (usage log, metrics, share statistics today; a database
// store or an audit chain tomorrow); a sink only has to take one record and
// say whether it kept it. Counting and logging failures is accounting's job,
// so no sink can fail silently.
#include <string>
#include <string_view>

#include "gateway/accounting/usage_record.hpp"

namespace switchyard {

class UsageSink {
 public:
  virtual ~UsageSink() = default;

  // A fixed, short name: the `sink` label of switchyard_usage_sink_errors_total
  // and the subject of its log lines ("usage_log", "metrics").
  virtual std::string_view name() const = 0;

  // Takes one record. Called from any worker thread, concurrently: a sink is
  // thread-safe. False, with `error` (safe to log: no secrets), when the record
  // was not kept.
  virtual bool write(const UsageRecord& record, std::string& error) = 0;

  // Makes what was written durable (at shutdown). False with `error` on failure.
  virtual bool flush(std::string& error) {
    (void)error;
    return true;
  }
};

}  // namespace switchyard
