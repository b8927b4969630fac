#pragma once
// Accounting: where a finished request's UsageRecord goes. One call per
// request writes the usage log line and updates Prometheus and the in-process
// share statistics, so the three always agree.
#include <memory>
#include <string>

#include "config/config.hpp"
#include "gateway/accounting/usage_record.hpp"

namespace switchyard {

class Metrics;
class ShareStats;
class UsageLogWriter;

class Accounting {
 public:
  // Opens the usage log (when a path is configured). False and `error` when it
  // cannot be opened.
  bool open(const config::UsageLog& log_config, std::string& error);
  ~Accounting();
  Accounting();

  // Thread-safe; call exactly once per request.
  void record(const UsageRecord& record);
  void flush();

  Metrics& metrics() { return *metrics_; }
  ShareStats& share() { return *share_; }

 private:
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<ShareStats> share_;
  std::unique_ptr<UsageLogWriter> log_;
};

}  // namespace switchyard
