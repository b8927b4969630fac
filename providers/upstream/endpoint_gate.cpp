#include "providers/upstream/endpoint_gate.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace switchyard::providers {

namespace net = boost::asio;

boost::asio::awaitable<EndpointGate::Entry> EndpointGate::enter(std::size_t cap,
                                                                std::size_t max_queued,
                                                                std::chrono::milliseconds timeout) {
  if (in_flight_ < cap && line_.empty()) {
    ++in_flight_;
    co_return Entry::admitted;
  }
  if (line_.size() >= max_queued) co_return Entry::line_full;
  net::steady_timer timer(co_await net::this_coro::executor);
  timer.expires_after(timeout);
  Waiter waiter{&timer};
  line_.push_back(&waiter);
  // Leaves the line however this frame ends (timeout, cancellation, or the
  // coroutine destroyed at shutdown), so no dangling waiter stays queued.
  struct Forget {
    EndpointGate& gate;
    Waiter& waiter;
    ~Forget() {
      if (!waiter.granted) gate.forget(&waiter);
    }
  } forget{*this, waiter};
  co_await timer.async_wait(net::as_tuple(net::use_awaitable));
  // Granted is checked first: a slot handed over just as the timer fired
  // is still ours (leave() counted it for us).
  co_return waiter.granted ? Entry::admitted : Entry::timed_out;
}

void EndpointGate::leave() {
  if (!line_.empty()) {
    // Hand the slot over: in_flight_ stays the same.
    Waiter* next = line_.front();
    line_.pop_front();
    next->granted = true;
    next->timer->cancel();
    return;
  }
  if (in_flight_ > 0) --in_flight_;
}

void EndpointGate::forget(Waiter* waiter) {
  auto it = std::find(line_.begin(), line_.end(), waiter);
  if (it != line_.end()) line_.erase(it);
}

}  // namespace switchyard::providers
