#include "gateway/flow/interrupts.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include "gateway/http/server.hpp"
#include "gateway/http/session.hpp"

namespace switchyard {

using namespace boost::asio::experimental::awaitable_operators;

namespace {
// True once the attempt beside us finished and cancelled this watch: waiting
// again then would never end (the cancellation was delivered once).
net::awaitable<bool> watch_cancelled() {
  auto state = co_await net::this_coro::cancellation_state;
  co_return state.cancelled() != net::cancellation_type::none;
}
}  // namespace

net::awaitable<Interrupt> watch_interrupts(Session& session, bool watch_client) {
  Worker& worker = session.worker();
  if (watch_client) {
    auto first = co_await (session.wait_for_client_eof() || worker.wait_for_cancel());
    if (first.index() == 0 && std::get<0>(first)) co_return Interrupt::client_left;
    if (worker.cancelling()) co_return Interrupt::shutdown;
    if (co_await watch_cancelled()) co_return Interrupt::none;
    // Bytes from the client (a pipelined request) end the watch on it; the
    // shutdown watch goes on.
  }
  co_await worker.wait_for_cancel();
  co_return worker.cancelling() ? Interrupt::shutdown : Interrupt::none;
}

}  // namespace switchyard
