#include "tests/integration/prom_text.hpp"

#include <cmath>
#include <cstdlib>
#include <optional>

namespace itest {

namespace {

std::optional<Sample> parse_line(std::string_view line) {
  Sample sample;
  std::size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
  sample.name = std::string(line.substr(0, i));
  if (sample.name.empty()) return std::nullopt;
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      std::size_t eq = line.find('=', i);
      if (eq == std::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
        return std::nullopt;
      }
      std::string key(line.substr(i, eq - i));
      std::string value;
      i = eq + 2;
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\' && i + 1 < line.size()) {
          ++i;
          value += line[i] == 'n' ? '\n' : line[i];
        } else {
          value += line[i];
        }
        ++i;
      }
      if (i >= line.size()) return std::nullopt;
      ++i;  // closing quote
      sample.labels.emplace_back(std::move(key), std::move(value));
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) return std::nullopt;
    ++i;  // '}'
  }
  while (i < line.size() && line[i] == ' ') ++i;
  std::string value(line.substr(i, line.find(' ', i) - i));
  if (value.empty()) return std::nullopt;
  if (value == "+Inf") {
    sample.value = INFINITY;
  } else if (value == "-Inf") {
    sample.value = -INFINITY;
  } else {
    char* end = nullptr;
    sample.value = std::strtod(value.c_str(), &end);
    if (end == value.c_str() || *end != '\0') return std::nullopt;
  }
  return sample;
}

}  // namespace

std::vector<Sample> parse_prometheus(std::string_view text, int* bad_lines) {
  std::vector<Sample> samples;
  while (!text.empty()) {
    auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    if (auto sample = parse_line(line)) {
      samples.push_back(std::move(*sample));
    } else if (bad_lines != nullptr) {
      ++*bad_lines;
    }
  }
  return samples;
}

MetricSum metric_sum(std::string_view text, std::string_view name, const Labels& match) {
  MetricSum result;
  for (const auto& sample : parse_prometheus(text)) {
    if (sample.name != name) continue;
    bool all = true;
    for (const auto& wanted : match) {
      bool found = false;
      for (const auto& label : sample.labels) found = found || label == wanted;
      all = all && found;
    }
    if (!all) continue;
    result.sum += sample.value;
    ++result.samples;
  }
  return result;
}

}  // namespace itest
