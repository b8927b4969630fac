#pragma once
// The one rule that decides whether an upstream connection may carry another
// request, applied by Lease::finish (pool.hpp) and nowhere else. Apart from
// the pool so it can be tested and fuzzed without sockets.
#include "providers/upstream/response_reader.hpp"

namespace switchyard::providers {

// All three, always: the response was read to its framed end (nothing of it
// is left for the next request), the server keeps the connection, and not
// one byte beyond the response was read (an unsolicited second answer would
// be handed to the next user).
bool may_reuse(const ResponseReader& reader);

}  // namespace switchyard::providers
