#pragma once
// Accounting: where a finished request's UsageRecord goes. One call per
// request fans the record out to every sink, in order: the usage log first
// (it is the billing record), then the Prometheus counters and the share
// statistics (views of it). A sink that fails is counted in
// switchyard_usage_sink_errors_total{sink} and logged, at the first failure
// and every thousandth after, so a full disk does not also flood the log.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "gateway/accounting/usage_record.hpp"
#include "gateway/accounting/usage_sink.hpp"

namespace switchyard {

class Metrics;
class ShareStats;

class Accounting {
 public:
  Accounting();  // with the metrics and share sinks
  ~Accounting();

  // Opens the usage log (when a path is configured) and puts it first among
  // the sinks. False and `error` when it cannot be opened. Call before the
  // first record(), like add_sink(): the sink list is not changed under traffic.
  bool open(const config::UsageLog& log_config, std::string& error);
  // Appends a sink (a store, an audit chain).
  void add_sink(std::unique_ptr<UsageSink> sink);

  // Thread-safe; call exactly once per request.
  void record(const UsageRecord& record);
  void flush();

  Metrics& metrics() { return *metrics_; }
  ShareStats& share() { return *share_; }

 private:
  struct Slot {
    std::unique_ptr<UsageSink> sink;
    std::atomic<std::uint64_t> failures{0};
  };
  void insert_sink(std::size_t position, std::unique_ptr<UsageSink> sink);
  void report_failure(Slot& slot, const UsageRecord& record, const std::string& error);

  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<ShareStats> share_;
  std::vector<std::unique_ptr<Slot>> sinks_;
  bool log_open_ = false;
};

}  // namespace switchyard
