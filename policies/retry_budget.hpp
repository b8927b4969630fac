#pragma once
// The retry budget: at most a share of the requests in flight may be retries
// or fallbacks at the same time, so a failing upstream cannot multiply the
// load on the others (Envoy's retry budget). Shared by every worker; lock-free.
#include <atomic>
#include <cstdint>

namespace switchyard::policies {

class RetryBudget {
 public:
  // One per request in flight, from admission to the end of the request.
  class Active {
   public:
    explicit Active(RetryBudget& budget);
    ~Active();
    Active(const Active&) = delete;
    Active& operator=(const Active&) = delete;

   private:
    RetryBudget& budget_;
  };

  // One per retry or fallback attempt while it runs. Empty when refused.
  class Retry {
   public:
    Retry() = default;
    explicit Retry(RetryBudget* budget) : budget_(budget) {}
    Retry(Retry&& other) noexcept : budget_(other.budget_) { other.budget_ = nullptr; }
    Retry& operator=(Retry&& other) noexcept;
    ~Retry() { release(); }
    explicit operator bool() const { return budget_ != nullptr; }
    void release();

   private:
    RetryBudget* budget_ = nullptr;
  };

  // A retry ticket when fewer than max(min_concurrent, share * active)
  // retries are running now, else an empty one.
  Retry try_retry(double share, std::int64_t min_concurrent);

  std::int64_t active() const { return active_.load(std::memory_order_relaxed); }
  std::int64_t retries() const { return retries_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> active_{0};
  std::atomic<std::int64_t> retries_{0};
};

}  // namespace switchyard::policies
