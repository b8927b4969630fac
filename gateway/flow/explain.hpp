#pragma once
// POST /v1/route: the plan and full trace for a chat body, contacting no
// upstream.
#include <boost/asio/awaitable.hpp>

#include "gateway/flow/request_flow.hpp"

namespace switchyard {

boost::asio::awaitable<bool> handle_explain(RequestScope& scope);

}  // namespace switchyard
