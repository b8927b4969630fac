#pragma once
// The cap on in-flight upstream connections of one endpoint (per worker):
// beyond it requests wait in a bounded line, first come first served, for a
// bounded time. Whoever leaves hands the slot straight to the first in line,
// so a burst cannot overtake the queue.
#include <chrono>
#include <cstddef>
#include <deque>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace switchyard::providers {

class EndpointGate {
 public:
  enum class Entry { admitted, line_full, timed_out };

  // Takes a slot when fewer than `cap` are in flight, else waits in line
  // (at most `max_queued` waiters) up to `timeout`.
  boost::asio::awaitable<Entry> enter(std::size_t cap, std::size_t max_queued,
                                      std::chrono::milliseconds timeout);
  // Frees a slot taken by enter().
  void leave();

  std::size_t in_flight() const { return in_flight_; }
  std::size_t queued() const { return line_.size(); }

 private:
  struct Waiter {
    boost::asio::steady_timer* timer;
    bool granted = false;
  };
  void forget(Waiter* waiter);

  std::size_t in_flight_ = 0;
  std::deque<Waiter*> line_;
};

}  // namespace switchyard::providers
