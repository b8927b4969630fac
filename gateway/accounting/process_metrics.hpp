#pragma once
// Process and build metrics read at scrape time. prometheus-cpp has no process
// collector, so /proc/self is read whenever /metrics is asked for: the values
// are always current and nothing runs between scrapes.
#include <prometheus/metric_family.h>

#include <vector>

namespace switchyard {

// switchyard_build_info{version} 1, process_cpu_seconds_total,
// process_resident_memory_bytes, process_open_fds, process_start_time_seconds.
// A value that cannot be read (no /proc) is left out, never reported as 0.
std::vector<prometheus::MetricFamily> collect_process_metrics();

}  // namespace switchyard
