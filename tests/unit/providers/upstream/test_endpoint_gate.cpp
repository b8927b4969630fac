// The per-endpoint cap on in-flight connections and its waiting line, on an
// io_context with timers only (no sockets).
#include <doctest/doctest.h>

#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "providers/upstream/endpoint_gate.hpp"

using namespace switchyard::providers;
namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

// Spawns enter() and records its answer in `out` when it comes.
void spawn_enter(net::io_context& io, EndpointGate& gate, std::size_t cap, std::size_t queued,
                 std::chrono::milliseconds timeout, std::vector<EndpointGate::Entry>& out) {
  net::co_spawn(
      io,
      [&gate, cap, queued, timeout, &out]() -> net::awaitable<void> {
        out.push_back(co_await gate.enter(cap, queued, timeout));
      },
      net::detached);
}

}  // namespace

TEST_CASE("endpoint gate: admits up to the cap, queues in order, hands slots over") {
  net::io_context io;
  EndpointGate gate;
  std::vector<EndpointGate::Entry> answers;
  for (int i = 0; i < 4; ++i) spawn_enter(io, gate, 2, 10, 10s, answers);
  io.poll();
  REQUIRE(answers.size() == 2);  // two in flight, two waiting
  CHECK(gate.in_flight() == 2);
  CHECK(gate.queued() == 2);

  gate.leave();  // the slot goes to the first in line
  io.poll();
  REQUIRE(answers.size() == 3);
  CHECK(answers[2] == EndpointGate::Entry::admitted);
  CHECK(gate.in_flight() == 2);
  CHECK(gate.queued() == 1);

  gate.leave();
  gate.leave();
  io.poll();
  CHECK(answers.size() == 4);
  CHECK(gate.in_flight() == 1);
  CHECK(gate.queued() == 0);
}

TEST_CASE("endpoint gate: a full line refuses at once; a wait runs out after its timeout") {
  net::io_context io;
  EndpointGate gate;
  std::vector<EndpointGate::Entry> answers;
  spawn_enter(io, gate, 1, 1, 10s, answers);   // admitted
  spawn_enter(io, gate, 1, 1, 20ms, answers);  // waits
  spawn_enter(io, gate, 1, 1, 10s, answers);   // the line is full
  io.poll();
  REQUIRE(answers.size() == 2);
  CHECK(answers[0] == EndpointGate::Entry::admitted);
  CHECK(answers[1] == EndpointGate::Entry::line_full);
  io.run_for(2s);  // until the waiter's deadline passes (run returns when idle)
  REQUIRE(answers.size() == 3);
  CHECK(answers[2] == EndpointGate::Entry::timed_out);
  CHECK(gate.queued() == 0);
  CHECK(gate.in_flight() == 1);
}
