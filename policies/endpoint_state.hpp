#pragma once
// Live, per-endpoint facts learned from traffic and health checks: latency and
// throughput statistics, the circuit breaker, Retry-After cooldowns and the
// health-check verdict. Shared by every worker; all updates are lock-free
// (atomics), so recording on the request path never blocks.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace switchyard::policies {

using Clock = std::chrono::steady_clock;

enum class Health : int { unknown = 0, healthy = 1, unhealthy = 2 };
enum class Circuit : int { closed = 0, open = 1, half_open = 2 };

struct EndpointStatsView {
  std::uint64_t samples = 0;  // successful requests measured
  double ttft_ewma_ms = 0;
  double ttft_p50_ms = 0;
  double ttft_p90_ms = 0;
  double tps_ewma = 0;  // output tokens per second after the first token
  double tps_p50 = 0;
  double tps_p90 = 0;
};

class EndpointState {
 public:
  static constexpr int kWindow = 64;  // samples kept for the quantiles

  // A completed request: time to first token and output tokens per second
  // (tps <= 0 when unknown). Closes a half-open circuit.
  void record_success(double ttft_ms, double tokens_per_second);
  // A failed attempt (connect error, timeout, 5xx, 429). After
  // `threshold` consecutive failures the circuit opens for `cooldown`.
  void record_failure(Clock::time_point now, std::uint32_t threshold, Clock::duration cooldown);
  // Retry-After from the upstream: no traffic until `until`.
  void cool_down_until(Clock::time_point until);

  // Whether the planner may send a request now. An open circuit whose cooldown
  // has passed lets exactly one probe through (try_take_probe).
  bool usable(Clock::time_point now) const;
  bool try_take_probe(Clock::time_point now);
  // Earliest time this endpoint can take traffic again (now when usable).
  Clock::time_point available_at(Clock::time_point now) const;

  void set_health(Health health) { health_.store(static_cast<int>(health), std::memory_order_relaxed); }
  Health health() const { return static_cast<Health>(health_.load(std::memory_order_relaxed)); }
  Circuit circuit(Clock::time_point now) const;
  std::uint32_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  void begin_request() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void end_request() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }

  EndpointStatsView stats() const;

 private:
  std::atomic<std::uint64_t> samples_{0};
  std::atomic<double> ttft_ewma_{0};
  std::atomic<double> tps_ewma_{0};
  std::atomic<float> ttft_window_[kWindow]{};
  std::atomic<float> tps_window_[kWindow]{};
  std::atomic<std::uint32_t> consecutive_failures_{0};
  std::atomic<std::int64_t> open_until_ns_{0};      // circuit open until (steady ns)
  std::atomic<std::int64_t> cooldown_until_ns_{0};  // Retry-After until
  std::atomic<bool> probe_taken_{false};
  std::atomic<int> health_{0};
  std::atomic<std::uint32_t> in_flight_{0};
};

}  // namespace switchyard::policies
