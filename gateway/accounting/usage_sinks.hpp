#pragma once
// The built-in usage sinks: the usage log (the billing record), the Prometheus
// counters and the in-process share statistics, each a thin adapter so
// accounting treats them like any other sink.
#include <memory>

#include "gateway/accounting/usage_sink.hpp"

namespace switchyard {

class Metrics;
class ShareStats;
class UsageLogWriter;

std::unique_ptr<UsageSink> make_usage_log_sink(std::unique_ptr<UsageLogWriter> writer);
// These two never fail; the sink does not own what it feeds.
std::unique_ptr<UsageSink> make_metrics_sink(Metrics& metrics);
std::unique_ptr<UsageSink> make_share_sink(ShareStats& share);

}  // namespace switchyard
