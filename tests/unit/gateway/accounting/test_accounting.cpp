// Accounting's fan-out: every sink gets every record, in order; a failing
// sink is counted by name and logged, but not once per record.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/accounting/accounting.hpp"
#include "gateway/accounting/metrics.hpp"
#include "gateway/accounting/usage_sink.hpp"

using namespace switchyard;

namespace {

class CountingSink final : public UsageSink {
 public:
  CountingSink(std::string name, bool fails, std::vector<std::string>& order)
      : name_(std::move(name)), fails_(fails), order_(order) {}
  std::string_view name() const override { return name_; }
  bool write(const UsageRecord& record, std::string& error) override {
    order_.push_back(name_ + ":" + record.request_id);
    if (!fails_) return true;
    error = "store unreachable";
    return false;
  }

 private:
  std::string name_;
  bool fails_;
  std::vector<std::string>& order_;
};

// The value of one sample line, e.g. `name{sink="x"} 3`; -1 when absent.
double sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

// Runs `body` with the process's stderr going to a file; returns what was written.
template <typename Body>
std::string capture_stderr(Body body) {
  auto path = std::filesystem::temp_directory_path() /
              ("switchyard-accounting-" + std::to_string(::getpid()) + ".log");
  std::fflush(stderr);
  int saved = ::dup(STDERR_FILENO);
  int file = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
  REQUIRE(file >= 0);
  ::dup2(file, STDERR_FILENO);
  ::close(file);
  body();
  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  return text;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

}  // namespace

TEST_SUITE("accounting") {
  TEST_CASE("a failing sink is counted and logged; the others still get every record") {
    Accounting accounting;
    std::vector<std::string> order;
    accounting.add_sink(std::make_unique<CountingSink>("store", true, order));
    accounting.add_sink(std::make_unique<CountingSink>("audit", false, order));
    const std::string errors = R"(switchyard_usage_sink_errors_total{sink="store"})";
    // Registered sinks have a series from the start, so rate() is 0, not absent.
    CHECK(sample(accounting.metrics().render(), errors) == 0);
    CHECK(sample(accounting.metrics().render(),
                 R"(switchyard_usage_sink_errors_total{sink="metrics"})") == 0);

    std::string log = capture_stderr([&] {
      for (int i = 0; i < 1500; ++i) {
        UsageRecord record;
        record.request_id = "req-" + std::to_string(i);
        record.outcome = "ok";
        accounting.record(record);
      }
    });
    CHECK(sample(accounting.metrics().render(), errors) == 1500);
    CHECK(sample(accounting.metrics().render(),
                 R"(switchyard_usage_sink_errors_total{sink="audit"})") == 0);
    // The metrics sink saw every record too.
    CHECK(accounting.metrics().render().find("switchyard_requests_total{") != std::string::npos);

    REQUIRE(order.size() == 3000);
    CHECK(order[0] == "store:req-0");
    CHECK(order[1] == "audit:req-0");
    CHECK(order[2999] == "audit:req-1499");
    // Logged at the first failure and the thousandth, not 1500 times.
    CHECK(count_of(log, "usage sink store") == 2);
    CHECK(log.find("record req-0 not written (1 so far): store unreachable") != std::string::npos);
    CHECK(log.find("(1000 so far)") != std::string::npos);
    CHECK(log.find("usage sink audit") == std::string::npos);
  }

  TEST_CASE("the usage log sink reports a write failure through the same path") {
    Accounting accounting;
    config::UsageLog log_config;
    log_config.path = "/dev/full";  // every write fails with ENOSPC
    std::string error;
    REQUIRE_MESSAGE(accounting.open(log_config, error), error);
    std::string log = capture_stderr([&] {
      UsageRecord record;
      record.request_id = "req-full";
      accounting.record(record);
    });
    CHECK(sample(accounting.metrics().render(),
                 R"(switchyard_usage_sink_errors_total{sink="usage_log"})") == 1);
    CHECK(log.find("usage sink usage_log: record req-full not written") != std::string::npos);
  }
}
