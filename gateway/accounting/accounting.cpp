#include "gateway/accounting/accounting.hpp"

#include "gateway/accounting/access_log.hpp"
#include "gateway/accounting/metrics.hpp"
#include "gateway/accounting/share_stats.hpp"
#include "gateway/accounting/usage_log.hpp"
#include "gateway/accounting/usage_sinks.hpp"

namespace switchyard {

namespace {

// One line for the first failure of a sink and one per thousand after.
constexpr std::uint64_t kFailuresPerLogLine = 1000;

}  // namespace

Accounting::Accounting()
    : metrics_(std::make_unique<Metrics>()), share_(std::make_unique<ShareStats>()) {
  add_sink(make_metrics_sink(*metrics_));
  add_sink(make_share_sink(*share_));
}

// Out of line: the members' types are complete only here. Sinks go first
// (the log's destructor fsyncs what was written), then what they fed.
Accounting::~Accounting() {
  sinks_.clear();
}

bool Accounting::open(const config::UsageLog& log_config, std::string& error) {
  if (log_config.path.empty()) return true;  // usage log disabled: metrics and shares only
  if (log_open_) {
    error = "the usage log is already open";
    return false;
  }
  auto writer = std::make_unique<UsageLogWriter>();
  if (!writer->open(log_config, error)) return false;
  // First: the billing record is written before its views are updated.
  insert_sink(0, make_usage_log_sink(std::move(writer)));
  log_open_ = true;
  return true;
}

void Accounting::add_sink(std::unique_ptr<UsageSink> sink) {
  insert_sink(sinks_.size(), std::move(sink));
}

void Accounting::insert_sink(std::size_t position, std::unique_ptr<UsageSink> sink) {
  metrics_->usage_sink_registered(sink->name());
  auto slot = std::make_unique<Slot>();
  slot->sink = std::move(sink);
  sinks_.insert(sinks_.begin() + static_cast<std::ptrdiff_t>(position), std::move(slot));
}

void Accounting::record(const UsageRecord& record) {
  std::string error;
  for (auto& slot : sinks_) {
    error.clear();
    if (!slot->sink->write(record, error)) report_failure(*slot, record, error);
  }
}

void Accounting::report_failure(Slot& slot, const UsageRecord& record, const std::string& error) {
  metrics_->usage_sink_failed(slot.sink->name());
  std::uint64_t failures = slot.failures.fetch_add(1, std::memory_order_relaxed) + 1;
  if (failures == 1 || failures % kFailuresPerLogLine == 0) {
    log_error("usage sink " + std::string(slot.sink->name()) + ": record " + record.request_id +
              " not written (" + std::to_string(failures) + " so far): " + error);
  }
}

void Accounting::flush() {
  std::string error;
  for (auto& slot : sinks_) {
    error.clear();
    if (!slot->sink->flush(error)) {
      log_error("usage sink " + std::string(slot->sink->name()) + ": flush failed: " + error);
    }
  }
}

}  // namespace switchyard
