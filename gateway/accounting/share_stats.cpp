#include "gateway/accounting/share_stats.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <map>
#include <mutex>
#include <vector>

#include "config/money.hpp"
#include "gateway/accounting/usage_record.hpp"

namespace switchyard {
namespace {

enum class Dimension { origin, family, provider, hosting, model };
enum class Measure { tokens, requests, cost };

constexpr std::array<std::pair<std::string_view, Dimension>, 5> kDimensions = {{
    {"origin", Dimension::origin},
    {"family", Dimension::family},
    {"provider", Dimension::provider},
    {"hosting", Dimension::hosting},
    {"model", Dimension::model},
}};
constexpr std::array<std::pair<std::string_view, Measure>, 3> kMeasures = {{
    {"tokens", Measure::tokens},
    {"requests", Measure::requests},
    {"cost", Measure::cost},
}};

struct GroupTotals {
  std::int64_t requests = 0;
  std::int64_t tokens = 0;  // prompt + completion
  Picousd cost = 0;
};

std::int64_t saturating_add(std::int64_t sum, std::int64_t amount) {
  if (amount <= 0) return sum;
  if (sum > std::numeric_limits<std::int64_t>::max() - amount)
    return std::numeric_limits<std::int64_t>::max();
  return sum + amount;
}

std::int64_t value_of(const GroupTotals& totals, Measure measure) {
  switch (measure) {
    case Measure::tokens:
      return totals.tokens;
    case Measure::requests:
      return totals.requests;
    case Measure::cost:
      return totals.cost;
  }
  return 0;
}

const std::string& key_of(const UsageRecord& record, Dimension dimension) {
  switch (dimension) {
    case Dimension::origin:
      return record.origin;
    case Dimension::family:
      return record.family;
    case Dimension::provider:
      return record.provider;
    case Dimension::hosting:
      return record.hosting;
    case Dimension::model:
      return model_label(record);  // bounded by the catalog, like the metric label
  }
  return record.origin;
}

// The body is written by hand because Boost.JSON prints doubles as "7.5E-1";
// std::to_chars gives the shortest exact form ("0.75").
void append_double(std::string& out, double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  const std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
  out += text;
  // Keep shares recognisably fractional: 0 and 1 are written "0.0", "1.0".
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void append_string(std::string& out, std::string_view text) {
  out += boost::json::serialize(boost::json::string(text));  // quoted and escaped
}

// An amount in the unit of the measure: a plain integer for tokens and
// requests, an exact decimal USD string for cost (a JSON double would round),
// with the integer picodollars beside it.
void append_amount(std::string& out, std::string_view field, std::int64_t amount, Measure measure) {
  append_string(out, field);
  out += ':';
  if (measure != Measure::cost) {
    out += std::to_string(amount);
    return;
  }
  append_string(out, format_usd(amount));
  out += ',';
  append_string(out, std::string(field) + "_picousd");
  out += ':';
  out += std::to_string(amount);
}

}  // namespace

struct ShareStats::Impl {
  mutable std::mutex mutex;
  // Indexed by Dimension; a std::map keeps groups in key order, so equal
  // values come out in a stable order.
  std::array<std::map<std::string, GroupTotals, std::less<>>, kDimensions.size()> groups;
  std::int64_t failed_before_routing = 0;
};

ShareStats::ShareStats() : impl_(std::make_unique<Impl>()) {}
ShareStats::~ShareStats() = default;

void ShareStats::observe(const UsageRecord& record) {
  // Share is over records that reached an endpoint. A request rejected before
  // routing (bad request, unauthorized, denied by policy, no endpoint) used
  // no model of any origin; counting it under an origin would dilute every
  // share, so it is counted on its own. A request that reached an endpoint
  // counts whatever its outcome: the upstream did the work, and tokens and
  // cost are whatever was used (zero when nothing was). The Prometheus rules
  // and `switchyard usage` use the same definition.
  if (record.provider.empty()) {
    std::lock_guard lock(impl_->mutex);
    impl_->failed_before_routing = saturating_add(impl_->failed_before_routing, 1);
    return;
  }
  const std::int64_t tokens =
      saturating_add(std::max<std::int64_t>(record.prompt_tokens, 0), record.completion_tokens);
  std::lock_guard lock(impl_->mutex);
  for (const auto& [name, dimension] : kDimensions) {
    const std::string_view key =
        key_of(record, dimension).empty() ? "other" : std::string_view(key_of(record, dimension));
    auto& groups = impl_->groups[static_cast<std::size_t>(dimension)];
    auto it = groups.find(key);
    if (it == groups.end()) it = groups.emplace(std::string(key), GroupTotals{}).first;
    GroupTotals& totals = it->second;
    totals.requests = saturating_add(totals.requests, 1);
    totals.tokens = saturating_add(totals.tokens, tokens);
    totals.cost = saturating_add(totals.cost, record.cost);
  }
}

bool ShareStats::render(std::string_view by, std::string_view metric, std::string& body,
                        std::string& error) const {
  const auto dimension = std::find_if(kDimensions.begin(), kDimensions.end(),
                                      [&](const auto& entry) { return entry.first == by; });
  if (dimension == kDimensions.end()) {
    error = "by: must be one of origin, family, provider, hosting, model";
    return false;
  }
  const auto measure = std::find_if(kMeasures.begin(), kMeasures.end(),
                                    [&](const auto& entry) { return entry.first == metric; });
  if (measure == kMeasures.end()) {
    error = "metric: must be one of tokens, requests, cost";
    return false;
  }

  std::vector<std::pair<std::string, std::int64_t>> values;
  std::int64_t failed_before_routing = 0;
  {
    std::lock_guard lock(impl_->mutex);
    failed_before_routing = impl_->failed_before_routing;
    for (const auto& [key, totals] : impl_->groups[static_cast<std::size_t>(dimension->second)])
      values.emplace_back(key, value_of(totals, measure->second));
  }
  std::int64_t total = 0;
  for (const auto& [key, value] : values) total = saturating_add(total, value);
  // Largest first; the map already ordered keys, stable_sort keeps that on ties.
  std::stable_sort(values.begin(), values.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });

  body.clear();
  body += "{\"by\":";
  append_string(body, dimension->first);
  body += ",\"metric\":";
  append_string(body, measure->first);
  body += ',';
  append_amount(body, "total", total, measure->second);
  body += ",\"shares\":[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) body += ',';
    body += "{\"key\":";
    append_string(body, values[i].first);
    body += ',';
    append_amount(body, "value", values[i].second, measure->second);
    body += ",\"share\":";
    append_double(
        body, total > 0 ? static_cast<double>(values[i].second) / static_cast<double>(total) : 0.0);
    body += '}';
  }
  // Requests that never reached a model: shown beside the shares, never in them.
  body += "],\"failed_before_routing\":{\"requests\":";
  body += std::to_string(failed_before_routing);
  body += "}}";
  return true;
}

}  // namespace switchyard
