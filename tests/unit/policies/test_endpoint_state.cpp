// EndpointState: EWMA, windowed quantiles, circuit breaker, Retry-After.
#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include "policies/endpoint_state.hpp"

using namespace switchyard::policies;
using namespace std::chrono_literals;

TEST_CASE("EWMA: the first sample sets it, then alpha 0.2") {
  EndpointState state;
  CHECK(state.stats().samples == 0);
  state.record_success(100, 50);
  auto one = state.stats();
  CHECK(one.samples == 1);
  CHECK(one.ttft_ewma_ms == doctest::Approx(100));
  CHECK(one.tps_ewma == doctest::Approx(50));
  state.record_success(200, 100);
  auto two = state.stats();
  CHECK(two.ttft_ewma_ms == doctest::Approx(120));
  CHECK(two.tps_ewma == doctest::Approx(60));
}

TEST_CASE("quantiles over the last kWindow samples, refreshed by each sample") {
  EndpointState state;
  for (int i = 1; i <= 100; ++i) state.record_success(i, 1000 - i);
  auto view = state.stats();
  // Window holds 37..100 (64 samples): nearest rank 32 and 58.
  CHECK(view.ttft_p50_ms == doctest::Approx(68));
  CHECK(view.ttft_p90_ms == doctest::Approx(94));
  CHECK(view.tps_p50 == doctest::Approx(931));  // 900..963: rank 32
  CHECK(view.tps_p90 == doctest::Approx(957));  // rank 58
  CHECK(view.ttft_ms() == doctest::Approx(68));

  // Memoised quantiles must not go stale when samples arrive.
  for (int i = 0; i < EndpointState::kWindow; ++i) state.record_success(5, 1);
  CHECK(state.stats().ttft_p50_ms == doctest::Approx(5));
  CHECK(state.stats().ttft_p90_ms == doctest::Approx(5));
}

TEST_CASE("quantiles with few samples; unknown throughput is not a sample") {
  EndpointState state;
  state.record_success(30, 0);
  state.record_success(10, -1);
  state.record_success(20, 40);
  auto view = state.stats();
  CHECK(view.samples == 3);
  CHECK(view.tps_samples == 1);
  CHECK(view.ttft_p50_ms == doctest::Approx(20));
  CHECK(view.ttft_p90_ms == doctest::Approx(30));
  CHECK(view.tps_p50 == doctest::Approx(40));
  CHECK(view.tps_ewma == doctest::Approx(40));
}

TEST_CASE("breaker opens after N consecutive failures; one probe after cooldown") {
  EndpointState state;
  const auto t0 = Clock::now();
  state.record_failure(t0, 3, 10s);
  state.record_failure(t0, 3, 10s);
  CHECK(state.circuit(t0) == Circuit::closed);
  CHECK(state.usable(t0));
  state.record_failure(t0, 3, 10s);
  CHECK(state.circuit(t0) == Circuit::open);
  CHECK_FALSE(state.usable(t0 + 9s));
  CHECK_FALSE(state.try_take_probe(t0 + 9s));
  CHECK(state.available_at(t0) == t0 + 10s);

  const auto later = t0 + 10s;
  CHECK(state.circuit(later) == Circuit::half_open);
  CHECK(state.usable(later));
  CHECK(state.try_take_probe(later));
  CHECK_FALSE(state.try_take_probe(later));  // exactly one probe
  CHECK_FALSE(state.usable(later + 1s));     // probe in flight

  SUBCASE("a successful probe closes the circuit") {
    state.record_success(100, 10);
    CHECK(state.circuit(later) == Circuit::closed);
    CHECK(state.consecutive_failures() == 0);
    CHECK(state.usable(later));
  }
  SUBCASE("a failed probe opens it again for a full cooldown") {
    state.record_failure(later + 1s, 3, 10s);
    CHECK(state.circuit(later + 2s) == Circuit::open);
    CHECK(state.available_at(later + 2s) == later + 11s);
  }
  SUBCASE("a probe never reported is considered lost after another cooldown") {
    CHECK(state.try_take_probe(later + 10s));
  }
}

TEST_CASE("a success between failures resets the count") {
  EndpointState state;
  const auto t0 = Clock::now();
  state.record_failure(t0, 2, 5s);
  state.record_success(10, 10);
  state.record_failure(t0, 2, 5s);
  CHECK(state.circuit(t0) == Circuit::closed);
  state.record_failure(t0, 2, 5s);
  CHECK(state.circuit(t0) == Circuit::open);
}

TEST_CASE("Retry-After cooldown blocks until then and never shortens") {
  EndpointState state;
  const auto t0 = Clock::now();
  state.cool_down_until(t0 + 30s);
  state.cool_down_until(t0 + 5s);
  CHECK(state.cooling_down(t0 + 29s));
  CHECK_FALSE(state.usable(t0 + 29s));
  CHECK(state.available_at(t0) == t0 + 30s);
  CHECK(state.usable(t0 + 30s));
  CHECK(state.available_at(t0 + 31s) == t0 + 31s);
  CHECK(state.circuit(t0) == Circuit::closed);  // a cooldown is not a circuit
}

TEST_CASE("concurrent probes: exactly one wins") {
  EndpointState state;
  const auto t0 = Clock::now();
  state.record_failure(t0, 1, 1s);
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 1000; ++j) {
        if (state.try_take_probe(t0 + 1s)) winners.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(winners.load() == 1);
}
