#include "gateway/routes/key_concurrency.hpp"

namespace switchyard {

bool KeyConcurrency::try_acquire(const config::Key& key, Slot& slot) {
  if (key.max_concurrent == 0) return true;
  std::shared_ptr<std::atomic<std::size_t>> counter;
  {
    std::lock_guard lock(mutex_);
    auto& entry = counters_[key.name];
    if (!entry) entry = std::make_shared<std::atomic<std::size_t>>(0);
    counter = entry;
  }
  // Take a slot only when one is free: increment, and give it back if that
  // overshot, so that concurrent callers can never exceed the limit.
  if (counter->fetch_add(1, std::memory_order_relaxed) >= key.max_concurrent) {
    counter->fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  slot = Slot(std::move(counter));
  return true;
}

}  // namespace switchyard
