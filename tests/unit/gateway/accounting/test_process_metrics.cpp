#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "gateway/accounting/metrics.hpp"

using namespace switchyard;

namespace {

// The value of the first sample line that starts with `prefix`, or -1.
double sample_value(const std::string& exposition, const std::string& prefix) {
  for (std::size_t at = 0; at < exposition.size();) {
    const std::size_t end = exposition.find('\n', at);
    const std::string line = exposition.substr(at, end - at);
    if (line.rfind(prefix, 0) == 0 && line.size() > prefix.size() && line[prefix.size()] == ' ')
      return std::stod(line.substr(prefix.size() + 1));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return -1;
}

}  // namespace

TEST_CASE("process metrics: build info and process values are read at scrape time") {
  Metrics metrics;
  const std::string before = metrics.render();
  CHECK(sample_value(before, "switchyard_build_info{version=\"0.1.0\"}") == 1);
  CHECK(before.find("# TYPE process_cpu_seconds_total counter") != std::string::npos);
  CHECK(sample_value(before, "process_cpu_seconds_total") >= 0);
  CHECK(sample_value(before, "process_resident_memory_bytes") > 1024 * 1024);
  CHECK(sample_value(before, "process_start_time_seconds") > 1.5e9);
  const double fds = sample_value(before, "process_open_fds");
  REQUIRE(fds >= 3);

  // Opening a descriptor shows in the next scrape: nothing is cached.
  const int fd = ::open("/dev/null", O_RDONLY);
  REQUIRE(fd >= 0);
  const double with_one_more = sample_value(metrics.render(), "process_open_fds");
  ::close(fd);
  CHECK(with_one_more == fds + 1);
}
