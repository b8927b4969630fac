#include "gateway/accounting/metrics.hpp"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <atomic>
#include <initializer_list>
#include <limits>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/money.hpp"
#include "gateway/accounting/process_metrics.hpp"
#include "gateway/accounting/usage_record.hpp"

namespace switchyard {
namespace {

// LLM requests take from a few milliseconds (a cached local answer) to minutes
// (a long reasoning stream), so the buckets span 5 ms .. 120 s.
const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120};

// Our own overhead is sub-millisecond to a few milliseconds when healthy; the
// latency buckets would put every sample into the first one.
const prometheus::Histogram::BucketBoundaries kOverheadBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1};

// Separates label values inside a cache key; it cannot occur in catalog names.
constexpr char kKeySeparator = '\x1f';

std::string_view or_default(std::string_view value, std::string_view fallback) {
  return value.empty() ? fallback : value;
}

std::string cache_key(std::initializer_list<std::string_view> values) {
  std::string key;
  for (std::string_view value : values) {
    key.append(value);
    key.push_back(kKeySeparator);
  }
  return key;
}

// A metric family plus a cache from label values to the metric object.
// Family::Add hashes a label map under the family's mutex; the cache turns the
// hot path into one string hash under a shared (read) lock. Pointers returned
// by Family::Add stay valid as long as the family is never Remove()d.
template <typename Metric>
class CachedFamily {
 public:
  CachedFamily(prometheus::Family<Metric>& family, std::vector<std::string> label_names)
      : family_(family), label_names_(std::move(label_names)) {}

  template <typename... Args>
  Metric& get(std::initializer_list<std::string_view> values, Args&&... args) {
    std::string key = cache_key(values);
    {
      std::shared_lock lock(mutex_);
      if (auto it = cache_.find(key); it != cache_.end()) return *it->second;
    }
    prometheus::Labels labels;
    auto name = label_names_.begin();
    for (std::string_view value : values) labels.emplace(*name++, std::string(value));
    std::unique_lock lock(mutex_);
    Metric& metric = family_.Add(labels, std::forward<Args>(args)...);
    cache_.emplace(std::move(key), &metric);
    return metric;
  }

 private:
  prometheus::Family<Metric>& family_;
  std::vector<std::string> label_names_;
  std::shared_mutex mutex_;
  std::unordered_map<std::string, Metric*> cache_;
};

// The label values of the per-request counters, in a fixed order.
struct RequestLabels {
  std::string_view family, origin, weights, hosting, provider, model, outcome;
};

const std::vector<std::string> kRequestLabelNames = {"family",   "origin", "weights", "hosting",
                                                     "provider", "model",  "outcome"};

// Everything one label tuple of the per-request counters updates. The cost is
// an exact integer sum; CostCollector turns it into a double only at scrape.
struct RequestSeries {
  prometheus::Labels labels;
  prometheus::Counter* requests = nullptr;
  prometheus::Counter* prompt_tokens = nullptr;
  prometheus::Counter* completion_tokens = nullptr;
  prometheus::Counter* cached_prompt_tokens = nullptr;
  prometheus::Histogram* duration = nullptr;
  prometheus::Histogram* ttft = nullptr;
  prometheus::Histogram* overhead = nullptr;
  std::atomic<Picousd> cost_picousd{0};
};

// Saturating, so a runaway sum sticks at the maximum instead of wrapping
// negative (int64 picodollars hold about 9.2 million USD per label tuple).
void add_saturating(std::atomic<Picousd>& sum, Picousd amount) {
  if (amount <= 0) return;
  Picousd current = sum.load(std::memory_order_relaxed);
  Picousd next;
  do {
    next = current > std::numeric_limits<Picousd>::max() - amount
               ? std::numeric_limits<Picousd>::max()
               : current + amount;
  } while (!sum.compare_exchange_weak(current, next, std::memory_order_relaxed));
}

}  // namespace

struct Metrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();

  prometheus::Family<prometheus::Counter>& requests =
      counter("switchyard_requests_total", "Requests finished, by served model and outcome.");
  prometheus::Family<prometheus::Counter>& prompt_tokens =
      counter("switchyard_prompt_tokens_total", "Prompt tokens used, as reported or estimated.");
  prometheus::Family<prometheus::Counter>& completion_tokens = counter(
      "switchyard_completion_tokens_total", "Completion tokens used, as reported or estimated.");
  prometheus::Family<prometheus::Counter>& cached_prompt_tokens =
      counter("switchyard_cached_prompt_tokens_total",
              "Prompt tokens served from the upstream's prompt cache.");
  prometheus::Family<prometheus::Histogram>& duration = histogram(
      "switchyard_request_duration_seconds", "Time from request arrival to the last byte sent.");
  prometheus::Family<prometheus::Histogram>& ttft =
      histogram("switchyard_time_to_first_token_seconds",
                "Time from request arrival to the first token sent to the client.");
  prometheus::Family<prometheus::Histogram>& overhead =
      histogram("switchyard_gateway_overhead_seconds",
                "Request duration minus the time spent waiting on upstreams.");

  CachedFamily<prometheus::Counter> fallbacks{
      counter("switchyard_fallbacks_total",
              "Attempts beyond the first, by the provider of the attempt that failed."),
      {"provider"}};
  CachedFamily<prometheus::Counter> denials{
      counter("switchyard_policy_denials_total", "Requests denied, by the denying policy."),
      {"policy"}};
  CachedFamily<prometheus::Counter> upstream_errors{
      counter("switchyard_upstream_errors_total", "Failed upstream attempts, by outcome kind."),
      {"provider", "kind"}};
  CachedFamily<prometheus::Counter> usage_estimated{
      counter("switchyard_usage_estimated_total",
              "Requests whose token usage was estimated because the upstream gave none."),
      {"provider"}};
  CachedFamily<prometheus::Gauge> endpoint_up{
      gauge("switchyard_endpoint_up", "Last health check of a provider endpoint: 1 up, 0 down."),
      {"provider"}};
  CachedFamily<prometheus::Counter> config_reloads{
      counter("switchyard_config_reloads_total", "Configuration reloads, by result."), {"result"}};
  CachedFamily<prometheus::Counter> usage_sink_errors{
      counter("switchyard_usage_sink_errors_total",
              "Usage records a sink failed to take (the usage log, a store), by sink."),
      {"sink"}};

  prometheus::Gauge& open_connections =
      gauge("switchyard_open_connections", "Client connections currently open.").Add({});
  prometheus::Counter& connections_rejected =
      counter("switchyard_connections_rejected_total",
              "Client connections refused because the connection cap was reached.")
          .Add({});

  // Per-request series by their full label tuple; read-mostly.
  mutable std::shared_mutex series_mutex;
  std::unordered_map<std::string, std::unique_ptr<RequestSeries>> series;

  Impl() {
    // Both results exist from the start, so a rate() over errors is 0, not absent.
    config_reloads.get({"ok"});
    config_reloads.get({"error"});
  }

  prometheus::Family<prometheus::Counter>& counter(const char* name, const char* help) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(*registry);
  }
  prometheus::Family<prometheus::Gauge>& gauge(const char* name, const char* help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(*registry);
  }
  prometheus::Family<prometheus::Histogram>& histogram(const char* name, const char* help) {
    return prometheus::BuildHistogram().Name(name).Help(help).Register(*registry);
  }

  RequestSeries& series_for(const RequestLabels& l) {
    std::string key =
        cache_key({l.family, l.origin, l.weights, l.hosting, l.provider, l.model, l.outcome});
    {
      std::shared_lock lock(series_mutex);
      if (auto it = series.find(key); it != series.end()) return *it->second;
    }
    std::unique_lock lock(series_mutex);
    if (auto it = series.find(key); it != series.end()) return *it->second;  // raced

    auto created = std::make_unique<RequestSeries>();
    const std::string_view values[] = {l.family,   l.origin, l.weights, l.hosting,
                                       l.provider, l.model,  l.outcome};
    for (std::size_t i = 0; i < kRequestLabelNames.size(); ++i)
      created->labels.emplace(kRequestLabelNames[i], std::string(values[i]));
    created->requests = &requests.Add(created->labels);
    created->prompt_tokens = &prompt_tokens.Add(created->labels);
    created->completion_tokens = &completion_tokens.Add(created->labels);
    created->cached_prompt_tokens = &cached_prompt_tokens.Add(created->labels);
    // Histograms carry fewer labels: several tuples share one histogram,
    // because Family::Add returns the existing metric for equal labels.
    const prometheus::Labels latency_labels = {{"family", std::string(l.family)},
                                               {"origin", std::string(l.origin)},
                                               {"hosting", std::string(l.hosting)},
                                               {"provider", std::string(l.provider)}};
    created->duration = &duration.Add(latency_labels, kLatencyBuckets);
    created->ttft = &ttft.Add(latency_labels, kLatencyBuckets);
    created->overhead = &overhead.Add(latency_labels, kOverheadBuckets);
    return *series.emplace(std::move(key), std::move(created)).first->second;
  }
};

namespace {

// Exposes switchyard_cost_usd_total from the exact picodollar sums; the double
// exists only in the scrape output. prometheus-cpp 1.0's Registry cannot hold
// a foreign Collectable (only its Exposer can), so render() collects this one
// beside the registry. Like the registry, it leaves the family out while it
// has no samples.
class CostCollector : public prometheus::Collectable {
 public:
  using SeriesMap = std::unordered_map<std::string, std::unique_ptr<RequestSeries>>;
  CostCollector(std::shared_mutex& mutex, const SeriesMap& series)
      : mutex_(mutex), series_(series) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::shared_mutex& mutex_;
  const SeriesMap& series_;
};

std::vector<prometheus::MetricFamily> CostCollector::Collect() const {
  prometheus::MetricFamily family;
  family.name = "switchyard_cost_usd_total";
  family.help = "Spend in USD at the serving endpoint's price, by served model and outcome.";
  family.type = prometheus::MetricType::Counter;
  {
    std::shared_lock lock(mutex_);
    for (const auto& [key, entry] : series_) {
      prometheus::ClientMetric metric;
      for (const auto& [name, value] : entry->labels) metric.label.push_back({name, value});
      metric.counter.value = to_usd_double(entry->cost_picousd.load(std::memory_order_relaxed));
      family.metric.push_back(std::move(metric));
    }
  }
  // Stable sample order makes scrapes diffable and tests simple.
  std::sort(family.metric.begin(), family.metric.end(),
            [](const auto& a, const auto& b) { return a.label < b.label; });
  std::vector<prometheus::MetricFamily> families;
  if (!family.metric.empty()) families.push_back(std::move(family));
  return families;
}
}  // namespace

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::observe(const UsageRecord& record) {
  const std::string_view provider = or_default(record.provider, "none");
  RequestLabels labels{or_default(record.family, "other"),
                       or_default(record.origin, "other"),
                       or_default(record.weights, "other"),
                       or_default(record.hosting, "other"),
                       provider,
                       or_default(model_label(record), "none"),
                       or_default(record.outcome, "unknown")};
  RequestSeries& series = impl_->series_for(labels);

  series.requests->Increment();
  if (record.prompt_tokens > 0)
    series.prompt_tokens->Increment(static_cast<double>(record.prompt_tokens));
  if (record.completion_tokens > 0)
    series.completion_tokens->Increment(static_cast<double>(record.completion_tokens));
  if (record.cached_prompt_tokens > 0)
    series.cached_prompt_tokens->Increment(static_cast<double>(record.cached_prompt_tokens));
  add_saturating(series.cost_picousd, record.cost);

  series.duration->Observe(std::max(0.0, record.duration_ms) / 1000.0);
  if (record.ttft_ms >= 0) series.ttft->Observe(record.ttft_ms / 1000.0);
  const double overhead_ms = std::max(0.0, record.duration_ms - record.upstream_wait_ms);
  series.overhead->Observe(overhead_ms / 1000.0);

  // Every attempt but the last led to another one: that is a fallback away
  // from the provider that failed.
  for (std::size_t i = 0; i + 1 < record.attempts.size(); ++i)
    impl_->fallbacks.get({or_default(record.attempts[i].provider, "none")}).Increment();
  for (const AttemptRecord& attempt : record.attempts) {
    if (attempt.outcome == "ok") continue;
    impl_->upstream_errors
        .get({or_default(attempt.provider, "none"), or_default(attempt.outcome, "unknown")})
        .Increment();
  }
  if (!record.denied_by.empty()) impl_->denials.get({record.denied_by}).Increment();
  if (record.usage_estimated) impl_->usage_estimated.get({provider}).Increment();
}

void Metrics::upstream_protocol_error(std::string_view provider) {
  impl_->upstream_errors.get({or_default(provider, "none"), "protocol"}).Increment();
}

void Metrics::connection_opened() {
  impl_->open_connections.Increment();
}
void Metrics::connection_closed() {
  impl_->open_connections.Decrement();
}
void Metrics::connection_rejected() {
  impl_->connections_rejected.Increment();
}

void Metrics::set_endpoint_up(std::string_view provider, bool up) {
  impl_->endpoint_up.get({or_default(provider, "none")}).Set(up ? 1.0 : 0.0);
}

void Metrics::config_reloaded(bool ok) {
  impl_->config_reloads.get({ok ? "ok" : "error"}).Increment();
}

void Metrics::usage_sink_registered(std::string_view sink) {
  impl_->usage_sink_errors.get({sink});
}

void Metrics::usage_sink_failed(std::string_view sink) {
  impl_->usage_sink_errors.get({sink}).Increment();
}

std::string Metrics::render() const {
  std::vector<prometheus::MetricFamily> families = impl_->registry->Collect();
  for (auto& family : CostCollector(impl_->series_mutex, impl_->series).Collect())
    families.push_back(std::move(family));
  for (auto& family : collect_process_metrics()) families.push_back(std::move(family));
  std::sort(families.begin(), families.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace switchyard
