#pragma once
// What may end a request from outside while it waits on an upstream: the
// client leaving, or the worker cancelling everything at the end of the
// shutdown grace period. Awaited beside the attempt (`attempt || watch`), so
// the first to happen cancels the other and both are over before the flow
// goes on.
#include <boost/asio/awaitable.hpp>

namespace switchyard {

class Session;

enum class Interrupt { none, client_left, shutdown };

// Completes only when an interrupt happens (or when cancelled, with none).
// `watch_client`: also notice the client closing its connection; for
// non-streamed answers only, since a stream finds out by writing.
boost::asio::awaitable<Interrupt> watch_interrupts(Session& session, bool watch_client);

}  // namespace switchyard
