#pragma once
// Per-key limit on requests in flight at once (keys[].max_concurrent), over
// all workers, so one client cannot take the connection cap from everyone.
// The counters are keyed by key name and outlive reloads; the map is locked
// only to find a key's counter, never while a request runs.
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "config/config.hpp"

namespace switchyard {

class KeyConcurrency {
 public:
  // Holds one slot of a key's limit until destroyed.
  class Slot {
   public:
    Slot() = default;
    explicit Slot(std::shared_ptr<std::atomic<std::size_t>> counter)
        : counter_(std::move(counter)) {}
    Slot(Slot&&) = default;
    Slot& operator=(Slot&&) = default;
    ~Slot() {
      if (counter_) counter_->fetch_sub(1, std::memory_order_relaxed);
    }

   private:
    std::shared_ptr<std::atomic<std::size_t>> counter_;
  };

  // A slot for `key`, or false when it already has max_concurrent requests
  // in flight. Keys without a limit always get an (empty) slot.
  bool try_acquire(const config::Key& key, Slot& slot);

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<std::atomic<std::size_t>>> counters_;
};

}  // namespace switchyard
