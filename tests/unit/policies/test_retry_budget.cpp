#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "policies/retry_budget.hpp"

using switchyard::policies::RetryBudget;

TEST_SUITE("retry budget") {
  TEST_CASE("a share of the active requests may retry at once") {
    RetryBudget budget;
    std::vector<std::unique_ptr<RetryBudget::Active>> active;
    for (int i = 0; i < 10; ++i) active.push_back(std::make_unique<RetryBudget::Active>(budget));
    CHECK(budget.active() == 10);

    RetryBudget::Retry first = budget.try_retry(0.2, 0);
    RetryBudget::Retry second = budget.try_retry(0.2, 0);
    RetryBudget::Retry third = budget.try_retry(0.2, 0);
    CHECK(first);
    CHECK(second);
    CHECK_FALSE(third);  // 20% of 10 is 2
    CHECK(budget.retries() == 2);

    first.release();
    CHECK(budget.retries() == 1);
    CHECK(budget.try_retry(0.2, 0));  // a slot came free (and is given back at once)
  }

  TEST_CASE("the minimum allows retries when few requests are active") {
    RetryBudget budget;
    RetryBudget::Active only(budget);
    RetryBudget::Retry a = budget.try_retry(0.2, 2);
    RetryBudget::Retry b = budget.try_retry(0.2, 2);
    RetryBudget::Retry c = budget.try_retry(0.2, 2);
    CHECK(a);
    CHECK(b);
    CHECK_FALSE(c);
  }

  TEST_CASE("a share of zero and no minimum refuses every retry") {
    RetryBudget budget;
    RetryBudget::Active one(budget);
    CHECK_FALSE(budget.try_retry(0.0, 0));
    CHECK(budget.retries() == 0);
  }

  TEST_CASE("tickets give their slot back when they end or move") {
    RetryBudget budget;
    {
      RetryBudget::Retry held = budget.try_retry(1.0, 1);
      RetryBudget::Retry moved = std::move(held);
      CHECK_FALSE(held);
      CHECK(moved);
      CHECK(budget.retries() == 1);
    }
    CHECK(budget.retries() == 0);
    {
      RetryBudget::Active active(budget);
      CHECK(budget.active() == 1);
    }
    CHECK(budget.active() == 0);
  }
}
