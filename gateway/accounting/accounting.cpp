#include "gateway/accounting/accounting.hpp"

#include "gateway/accounting/access_log.hpp"
#include "gateway/accounting/metrics.hpp"
#include "gateway/accounting/share_stats.hpp"
#include "gateway/accounting/usage_log.hpp"

namespace switchyard {

Accounting::Accounting()
    : metrics_(std::make_unique<Metrics>()), share_(std::make_unique<ShareStats>()) {}

// Out of line: the members' types are complete only here. The log writer's
// destructor fsyncs what was written.
Accounting::~Accounting() = default;

// Call before the first record(): the writer is not swapped under traffic.
bool Accounting::open(const config::UsageLog& log_config, std::string& error) {
  if (log_config.path.empty()) {
    log_.reset();  // usage log disabled: metrics and shares only
    return true;
  }
  auto writer = std::make_unique<UsageLogWriter>();
  if (!writer->open(log_config, error)) return false;
  log_ = std::move(writer);
  return true;
}

void Accounting::record(const UsageRecord& record) {
  // The log line first: it is the billing record, the counters are views.
  if (log_ && !log_->append(record)) {
    // One message for the first failure and one per thousand after, so a full
    // disk does not also flood the process log.
    std::uint64_t failures = log_->failed_appends();
    if (failures == 1 || failures % 1000 == 0) {
      log_error("usage log: record " + record.request_id + " not written (" +
                std::to_string(failures) + " so far): " + log_->last_error());
    }
  }
  metrics_->observe(record);
  share_->observe(record);
}

void Accounting::flush() {
  if (log_ && !log_->flush()) log_error("usage log: flush failed: " + log_->last_error());
}

}  // namespace switchyard
