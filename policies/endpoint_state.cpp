#include "policies/endpoint_state.hpp"

#include <algorithm>
#include <array>

namespace switchyard::policies {

namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

std::int64_t to_ns(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

Clock::time_point from_ns(std::int64_t ns) {
  return Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns)));
}

void update_ewma(std::atomic<double>& average, double sample, bool first) {
  if (first) {
    average.store(sample, kRelaxed);
    return;
  }
  double old = average.load(kRelaxed);
  while (!average.compare_exchange_weak(old, old + EndpointState::kEwmaAlpha * (sample - old),
                                        kRelaxed)) {
  }
}

// Nearest-rank quantile of the first `count` slots of a window.
struct Quantiles {
  float p50 = 0;
  float p90 = 0;
};

Quantiles window_quantiles(const std::atomic<float>* window, std::uint64_t count) {
  std::array<float, EndpointState::kWindow> copy;
  auto n = static_cast<std::size_t>(std::min<std::uint64_t>(count, EndpointState::kWindow));
  if (n == 0) return {};
  for (std::size_t i = 0; i < n; ++i) copy[i] = window[i].load(kRelaxed);
  auto at = [&](double q) {
    auto rank = static_cast<std::size_t>(q * static_cast<double>(n) + 0.999999);  // ceil
    std::size_t index = rank == 0 ? 0 : rank - 1;
    std::nth_element(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(index),
                     copy.begin() + static_cast<std::ptrdiff_t>(n));
    return copy[index];
  };
  Quantiles out;
  out.p50 = at(0.5);
  out.p90 = at(0.9);
  return out;
}

}  // namespace

const char* describe(HealthReason reason) {
  switch (reason) {
    case HealthReason::none:
      return "";
    case HealthReason::check_failed:
      return "health check failing";
    case HealthReason::model_not_listed:
      return "model not listed by server";
  }
  return "";
}

void EndpointState::record_success(double ttft_ms, double tokens_per_second) {
  if (ttft_ms < 0) ttft_ms = 0;
  std::uint64_t n = samples_.fetch_add(1, kRelaxed);
  ttft_window_[n % kWindow].store(static_cast<float>(ttft_ms), kRelaxed);
  update_ewma(ttft_ewma_, ttft_ms, n == 0);
  if (tokens_per_second > 0) {
    std::uint64_t t = tps_samples_.fetch_add(1, kRelaxed);
    tps_window_[t % kWindow].store(static_cast<float>(tokens_per_second), kRelaxed);
    update_ewma(tps_ewma_, tokens_per_second, t == 0);
  }
  // The endpoint answered: close the circuit, whatever state it was in.
  consecutive_failures_.store(0, kRelaxed);
  open_until_ns_.store(kNever, kRelaxed);
  probe_taken_ns_.store(kNever, kRelaxed);
}

void EndpointState::record_failure(Clock::time_point now, std::uint32_t threshold,
                                   Clock::duration cooldown) {
  std::uint32_t failures = consecutive_failures_.fetch_add(1, kRelaxed) + 1;
  if (failures < std::max<std::uint32_t>(threshold, 1)) return;
  // Opening again after a failed probe restarts the cooldown from now.
  auto duration = std::chrono::duration_cast<std::chrono::nanoseconds>(cooldown).count();
  open_duration_ns_.store(duration, kRelaxed);
  open_until_ns_.store(to_ns(now) + duration, kRelaxed);
  probe_taken_ns_.store(kNever, kRelaxed);
}

void EndpointState::cool_down_until(Clock::time_point until) {
  std::int64_t target = to_ns(until);
  std::int64_t current = cooldown_until_ns_.load(kRelaxed);
  while (current < target && !cooldown_until_ns_.compare_exchange_weak(current, target, kRelaxed)) {
  }
}

bool EndpointState::probe_available(std::int64_t now_ns) const {
  std::int64_t taken = probe_taken_ns_.load(kRelaxed);
  return taken == kNever || now_ns - taken >= open_duration_ns_.load(kRelaxed);
}

Circuit EndpointState::circuit(Clock::time_point now) const {
  std::int64_t open_until = open_until_ns_.load(kRelaxed);
  if (open_until == kNever) return Circuit::closed;
  return to_ns(now) < open_until ? Circuit::open : Circuit::half_open;
}

bool EndpointState::cooling_down(Clock::time_point now) const {
  return to_ns(now) < cooldown_until_ns_.load(kRelaxed);
}

bool EndpointState::usable(Clock::time_point now) const {
  if (cooling_down(now)) return false;
  switch (circuit(now)) {
    case Circuit::closed:
      return true;
    case Circuit::open:
      return false;
    case Circuit::half_open:
      return probe_available(to_ns(now));
  }
  return false;
}

bool EndpointState::try_take_probe(Clock::time_point now) {
  Circuit state = circuit(now);
  if (state == Circuit::closed) return true;
  if (state == Circuit::open) return false;
  std::int64_t now_ns = to_ns(now);
  std::int64_t taken = probe_taken_ns_.load(kRelaxed);
  if (taken != kNever && now_ns - taken < open_duration_ns_.load(kRelaxed)) return false;
  // Exactly one caller wins the exchange.
  return probe_taken_ns_.compare_exchange_strong(taken, now_ns, kRelaxed);
}

Clock::time_point EndpointState::available_at(Clock::time_point now) const {
  std::int64_t at = std::max(to_ns(now), cooldown_until_ns_.load(kRelaxed));
  std::int64_t open_until = open_until_ns_.load(kRelaxed);
  if (open_until != kNever) {
    at = std::max(at, open_until);
    std::int64_t taken = probe_taken_ns_.load(kRelaxed);
    // A probe is out: the next chance is when it would be considered lost.
    if (taken != kNever) at = std::max(at, taken + open_duration_ns_.load(kRelaxed));
  }
  return at == to_ns(now) ? now : from_ns(at);
}

EndpointStatsView EndpointState::stats() const {
  EndpointStatsView view;
  view.samples = samples_.load(kRelaxed);
  view.tps_samples = tps_samples_.load(kRelaxed);
  view.ttft_ewma_ms = ttft_ewma_.load(kRelaxed);
  view.tps_ewma = tps_ewma_.load(kRelaxed);
  if (view.samples == 0) return view;

  std::uint64_t version = view.samples + view.tps_samples + 1;
  if (quantile_version_.load(std::memory_order_acquire) != version) {
    Quantiles ttft = window_quantiles(ttft_window_, view.samples);
    Quantiles tps = window_quantiles(tps_window_, view.tps_samples);
    ttft_p50_.store(ttft.p50, kRelaxed);
    ttft_p90_.store(ttft.p90, kRelaxed);
    tps_p50_.store(tps.p50, kRelaxed);
    tps_p90_.store(tps.p90, kRelaxed);
    quantile_version_.store(version, std::memory_order_release);
  }
  view.ttft_p50_ms = ttft_p50_.load(kRelaxed);
  view.ttft_p90_ms = ttft_p90_.load(kRelaxed);
  view.tps_p50 = tps_p50_.load(kRelaxed);
  view.tps_p90 = tps_p90_.load(kRelaxed);
  return view;
}

}  // namespace switchyard::policies
