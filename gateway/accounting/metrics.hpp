#pragma once
// Prometheus metrics (prometheus-cpp core registry, served by our own
// listener). Label values come from the catalog so cardinality is bounded; no
// key, user or request id is ever a label. Money counters are kept as exact
// integer picodollars and only turned into a double when scraped.
#include <memory>
#include <string>
#include <string_view>

namespace prometheus {
class Registry;
}

namespace switchyard {

struct UsageRecord;

class Metrics {
 public:
  Metrics();
  ~Metrics();

  // Everything a finished request contributes: request, token and cost
  // counters, duration / TTFT / overhead histograms, fallbacks, denials,
  // upstream errors by kind (one per failed attempt).
  void observe(const UsageRecord& record);

  // Connection gauges, from the listener.
  void connection_opened();
  void connection_closed();
  void connection_rejected();  // over the connection cap
  // Health-check results per provider endpoint: 1 healthy, 0 not.
  void set_endpoint_up(std::string_view provider, bool up);
  void config_reloaded(bool ok);
  // Usage sinks (accounting's fan-out): a registered sink's error series
  // exists at 0 from the start, so a rate() over it is 0, not absent.
  void usage_sink_registered(std::string_view sink);
  void usage_sink_failed(std::string_view sink);

  // The Prometheus text exposition format (version 0.0.4).
  std::string render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchyard
