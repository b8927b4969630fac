#include "gateway/accounting/process_metrics.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace switchyard {
namespace {

constexpr const char* kVersion = "0.1.0";  // as `switchyard --version` prints

prometheus::MetricFamily gauge_family(const char* name, const char* help, double value,
                                      prometheus::MetricType type = prometheus::MetricType::Gauge) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter)
    metric.counter.value = value;
  else
    metric.gauge.value = value;
  family.metric.push_back(std::move(metric));
  return family;
}

// Fields 14 (utime), 15 (stime) and 22 (starttime, in clock ticks since boot)
// of /proc/self/stat; the command name (field 2) may hold spaces, so fields
// are counted from the last ')'.
struct ProcessTimes {
  double cpu_seconds = 0;
  double start_ticks = 0;
};

std::optional<ProcessTimes> read_stat() {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0, start = 0;
  // After ')': field 3 is the state, so field N is at index N - 3.
  for (int index = 3; fields >> field && index <= 22; ++index) {
    if (index == 14) utime = std::stod(field);
    if (index == 15) stime = std::stod(field);
    if (index == 22) start = std::stod(field);
  }
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  if (ticks <= 0) return std::nullopt;
  return ProcessTimes{(utime + stime) / ticks, start / ticks};
}

std::optional<double> read_resident_bytes() {
  std::ifstream in("/proc/self/statm");
  double size = 0, resident = 0;
  if (!(in >> size >> resident)) return std::nullopt;
  return resident * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

std::optional<double> read_open_fds() {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/self/fd", ec), end;
  if (ec) return std::nullopt;
  double count = 0;
  for (; it != end; it.increment(ec)) {
    if (ec) return std::nullopt;
    ++count;
  }
  return count - 1;  // the iterator's own descriptor
}

// The boot time from /proc/stat's "btime" line, in Unix seconds.
std::optional<double> read_boot_time() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return std::nullopt;
}

}  // namespace

std::vector<prometheus::MetricFamily> collect_process_metrics() {
  std::vector<prometheus::MetricFamily> families;
  prometheus::MetricFamily build = gauge_family(
      "switchyard_build_info", "Build of the running gateway; the value is always 1.", 1);
  build.metric.front().label.push_back({"version", kVersion});
  families.push_back(std::move(build));

  if (const auto times = read_stat()) {
    families.push_back(gauge_family("process_cpu_seconds_total",
                                    "User and system CPU time spent, in seconds.",
                                    times->cpu_seconds, prometheus::MetricType::Counter));
    if (const auto boot = read_boot_time())
      families.push_back(gauge_family("process_start_time_seconds",
                                      "Start time of the process since the Unix epoch, in seconds.",
                                      *boot + times->start_ticks));
  }
  if (const auto rss = read_resident_bytes())
    families.push_back(
        gauge_family("process_resident_memory_bytes", "Resident memory size, in bytes.", *rss));
  if (const auto fds = read_open_fds())
    families.push_back(
        gauge_family("process_open_fds", "Open file descriptors of the process.", *fds));
  return families;
}

}  // namespace switchyard
