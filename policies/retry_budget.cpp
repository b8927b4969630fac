#include "policies/retry_budget.hpp"

#include <algorithm>
#include <cmath>

namespace switchyard::policies {

RetryBudget::Active::Active(RetryBudget& budget) : budget_(budget) {
  budget_.active_.fetch_add(1, std::memory_order_relaxed);
}

RetryBudget::Active::~Active() {
  budget_.active_.fetch_sub(1, std::memory_order_relaxed);
}

RetryBudget::Retry& RetryBudget::Retry::operator=(Retry&& other) noexcept {
  if (this != &other) {
    release();
    budget_ = other.budget_;
    other.budget_ = nullptr;
  }
  return *this;
}

void RetryBudget::Retry::release() {
  if (budget_ != nullptr) budget_->retries_.fetch_sub(1, std::memory_order_relaxed);
  budget_ = nullptr;
}

RetryBudget::Retry RetryBudget::try_retry(double share, std::int64_t min_concurrent) {
  double active = static_cast<double>(active_.load(std::memory_order_relaxed));
  auto limit =
      std::max<std::int64_t>(min_concurrent, static_cast<std::int64_t>(std::floor(share * active)));
  // Take a slot only while under the limit: a compare-and-swap loop, so two
  // workers racing for the last slot cannot both win it.
  std::int64_t running = retries_.load(std::memory_order_relaxed);
  while (running < limit) {
    if (retries_.compare_exchange_weak(running, running + 1, std::memory_order_relaxed)) {
      return Retry(this);
    }
  }
  return Retry();
}

}  // namespace switchyard::policies
