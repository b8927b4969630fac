#include "gateway/accounting/usage_sinks.hpp"

#include "gateway/accounting/metrics.hpp"
#include "gateway/accounting/share_stats.hpp"
#include "gateway/accounting/usage_log.hpp"

namespace switchyard {

namespace {

class UsageLogSink final : public UsageSink {
 public:
  explicit UsageLogSink(std::unique_ptr<UsageLogWriter> writer) : writer_(std::move(writer)) {}
  std::string_view name() const override { return "usage_log"; }
  bool write(const UsageRecord& record, std::string& error) override {
    if (writer_->append(record)) return true;
    error = writer_->last_error();
    return false;
  }
  bool flush(std::string& error) override {
    if (writer_->flush()) return true;
    error = writer_->last_error();
    return false;
  }

 private:
  std::unique_ptr<UsageLogWriter> writer_;  // its destructor fsyncs what was written
};

class MetricsSink final : public UsageSink {
 public:
  explicit MetricsSink(Metrics& metrics) : metrics_(metrics) {}
  std::string_view name() const override { return "metrics"; }
  bool write(const UsageRecord& record, std::string&) override {
    metrics_.observe(record);
    return true;
  }

 private:
  Metrics& metrics_;
};

class ShareSink final : public UsageSink {
 public:
  explicit ShareSink(ShareStats& share) : share_(share) {}
  std::string_view name() const override { return "share_stats"; }
  bool write(const UsageRecord& record, std::string&) override {
    share_.observe(record);
    return true;
  }

 private:
  ShareStats& share_;
};

}  // namespace

std::unique_ptr<UsageSink> make_usage_log_sink(std::unique_ptr<UsageLogWriter> writer) {
  return std::make_unique<UsageLogSink>(std::move(writer));
}

std::unique_ptr<UsageSink> make_metrics_sink(Metrics& metrics) {
  return std::make_unique<MetricsSink>(metrics);
}

std::unique_ptr<UsageSink> make_share_sink(ShareStats& share) {
  return std::make_unique<ShareSink>(share);
}

}  // namespace switchyard
