#pragma once
// What may end a request from outside while it waits on an upstream: the
// client leaving, or the worker cancelling everything at the end of the
// shutdown grace period. The attempt runs with this watch's cancellation slot
// bound; either event emits terminal cancellation into it, so the attempt's
// pending operation fails with operation_aborted and the attempt returns like
// any failed one.
//
// Why not `attempt || watch` (awaitable operators): that spawns two more
// coroutines and a parallel group per attempt, and cancelling the losing
// branch on every request unwinds through an exception: it cost more than
// the rest of the request. Here a request costs one socket wait (non-streamed
// answers only) and one set insertion.
#include <memory>

#include <boost/asio/cancellation_signal.hpp>

#include "gateway/http/server.hpp"

namespace switchyard {

class Session;

enum class Interrupt { none, client_left, shutdown };

class InterruptWatch final : public ShutdownCancellable {
 public:
  // `watch_client`: also notice the client closing its connection; for
  // non-streamed answers only, since a stream finds out by writing.
  InterruptWatch(Session& session, bool watch_client);
  ~InterruptWatch();
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;

  // Bind the attempt to this; emitted at most once.
  boost::asio::cancellation_slot slot() { return signal_.slot(); }
  // The first interrupt that happened, or none.
  Interrupt interrupt() const { return interrupt_; }

  void cancel_for_shutdown() override { interrupt_with(Interrupt::shutdown); }

 private:
  void interrupt_with(Interrupt why);
  void watch_client_socket();
  void on_client_readable();

  Session& session_;
  boost::asio::cancellation_signal signal_;
  Interrupt interrupt_ = Interrupt::none;
  bool watching_client_ = false;
  // The socket wait's handler may run after this watch is gone (it completes
  // with operation_aborted once cancelled): it holds this and finds null.
  std::shared_ptr<InterruptWatch*> self_;
};

}  // namespace switchyard
