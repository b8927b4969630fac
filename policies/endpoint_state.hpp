#pragma once
// Live, per-endpoint facts learned from traffic and health checks: latency and
// throughput statistics, the circuit breaker, Retry-After cooldowns and the
// health-check verdict. Shared by every worker; all updates are lock-free
// (atomics), so recording on the request path never blocks.
//
// Statistics: an EWMA (alpha 0.2, the first sample sets it) and a window of the
// last kWindow samples for p50/p90. Concurrent writers may interleave inside
// the window; the figures are approximate by design, never torn values.
//
// Circuit: `threshold` consecutive failures open it for `cooldown`; after the
// cooldown it is half-open and exactly one probe (try_take_probe) may go
// through; a success closes it, a failure opens it again. A probe whose
// outcome is never recorded is considered lost after another cooldown, so an
// endpoint cannot stay stuck half-open.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>

namespace switchyard::policies {

using Clock = std::chrono::steady_clock;

enum class Health : int { unknown = 0, healthy = 1, unhealthy = 2 };
// Why an endpoint is unhealthy: its server failed the health check, or the
// server answered but does not list the endpoint's upstream model.
enum class HealthReason : int { none = 0, check_failed = 1, model_not_listed = 2 };
const char* describe(HealthReason reason);
enum class Circuit : int { closed = 0, open = 1, half_open = 2 };

struct EndpointStatsView {
  std::uint64_t samples = 0;  // successful requests measured
  double ttft_ewma_ms = 0;
  double ttft_p50_ms = 0;
  double ttft_p90_ms = 0;
  std::uint64_t tps_samples = 0;  // of those, how many reported a throughput
  double tps_ewma = 0;            // output tokens per second after the first token
  double tps_p50 = 0;
  double tps_p90 = 0;

  // Latency used for ranking: the windowed median, the EWMA when none.
  double ttft_ms() const { return ttft_p50_ms > 0 ? ttft_p50_ms : ttft_ewma_ms; }
  double tokens_per_second() const { return tps_p50 > 0 ? tps_p50 : tps_ewma; }
};

class EndpointState {
 public:
  static constexpr int kWindow = 64;  // samples kept for the quantiles
  static constexpr double kEwmaAlpha = 0.2;

  // A completed request: time to first token and output tokens per second
  // (tps <= 0 when unknown). Closes a half-open circuit.
  void record_success(double ttft_ms, double tokens_per_second);
  // A failed attempt (connect error, timeout, 5xx, 429). After
  // `threshold` consecutive failures the circuit opens for `cooldown`.
  void record_failure(Clock::time_point now, std::uint32_t threshold, Clock::duration cooldown);
  // Retry-After from the upstream: no traffic until `until` (a later call
  // never shortens an existing cooldown).
  void cool_down_until(Clock::time_point until);

  // Whether the planner may send a request now. An open circuit whose cooldown
  // has passed lets exactly one probe through (try_take_probe).
  bool usable(Clock::time_point now) const;
  // At execution time: true when the request may go. Always true on a closed
  // circuit; on a half-open one only for the first caller.
  bool try_take_probe(Clock::time_point now);
  // Earliest time this endpoint can take traffic again (now when usable).
  Clock::time_point available_at(Clock::time_point now) const;
  // Whether a Retry-After cooldown (not the circuit) holds it back now.
  bool cooling_down(Clock::time_point now) const;

  // Returns whether the health or its reason changed (the caller logs changes).
  // Health and reason are one atomic word, so a reader never sees one without
  // the other.
  bool set_health(Health health, HealthReason reason = HealthReason::none) {
    if (health != Health::unhealthy) reason = HealthReason::none;
    if (health == Health::unhealthy && reason == HealthReason::none)
      reason = HealthReason::check_failed;
    int word = static_cast<int>(health) | (static_cast<int>(reason) << 4);
    return health_.exchange(word, std::memory_order_relaxed) != word;
  }
  Health health() const {
    return static_cast<Health>(health_.load(std::memory_order_relaxed) & 0xf);
  }
  HealthReason health_reason() const {
    return static_cast<HealthReason>(health_.load(std::memory_order_relaxed) >> 4);
  }
  Circuit circuit(Clock::time_point now) const;
  std::uint32_t consecutive_failures() const {
    return consecutive_failures_.load(std::memory_order_relaxed);
  }
  std::uint32_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  void begin_request() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void end_request() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }

  // Counts, EWMAs and quantiles. Quantiles are computed on read (copy of the
  // window + nth_element) and memoised until the next sample, so planning many
  // requests between two completions costs a few atomic loads.
  EndpointStatsView stats() const;

 private:
  static constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::min();
  bool probe_available(std::int64_t now_ns) const;

  std::atomic<std::uint64_t> samples_{0};
  std::atomic<std::uint64_t> tps_samples_{0};
  std::atomic<double> ttft_ewma_{0};
  std::atomic<double> tps_ewma_{0};
  std::atomic<float> ttft_window_[kWindow]{};
  std::atomic<float> tps_window_[kWindow]{};
  std::atomic<std::uint32_t> consecutive_failures_{0};
  std::atomic<std::int64_t> open_until_ns_{kNever};      // circuit open until (steady ns)
  std::atomic<std::int64_t> open_duration_ns_{0};        // the cooldown it opened with
  std::atomic<std::int64_t> cooldown_until_ns_{kNever};  // Retry-After until
  std::atomic<std::int64_t> probe_taken_ns_{kNever};     // when the half-open probe left
  std::atomic<int> health_{0};
  std::atomic<std::uint32_t> in_flight_{0};

  // Memoised quantiles; valid when quantile_version_ == samples + tps_samples + 1.
  mutable std::atomic<std::uint64_t> quantile_version_{0};
  mutable std::atomic<float> ttft_p50_{0}, ttft_p90_{0}, tps_p50_{0}, tps_p90_{0};
};

}  // namespace switchyard::policies
