#pragma once
// A tiny reader of the Prometheus text exposition format, enough to assert
// on counters: sum every sample of a metric whose labels include given pairs.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace itest {

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
  std::string name;
  Labels labels;
  double value = 0;
};

// Parses the sample lines ('#' lines and blank lines are skipped; a line that
// does not parse is skipped too, and counted in `bad_lines` when given).
std::vector<Sample> parse_prometheus(std::string_view text, int* bad_lines = nullptr);

struct MetricSum {
  double sum = 0;
  int samples = 0;  // how many samples matched
};
// Sums the samples called exactly `name` whose labels contain every `match` pair.
MetricSum metric_sum(std::string_view text, std::string_view name, const Labels& match = {});

}  // namespace itest
