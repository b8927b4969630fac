#pragma once
// The usage a client sees and what it cost: the one place the flow writes
// `usage.cost`, for whole answers and for the final usage chunk of a stream.
#include <boost/json/object.hpp>

#include "config/config.hpp"
#include "config/money.hpp"
#include "providers/codec.hpp"

namespace switchyard {

// At the serving endpoint's price (policies/pricing: cache reads and writes).
Picousd cost_for(const providers::Usage& usage, const config::Price& price);

// The OpenAI-shaped usage object (the upstream's own when it reported one,
// else the estimate). Its "cost" is written by serialize_with_usage_cost
// (providers/canonical/plain_json.hpp), the one writer of money in JSON.
boost::json::object usage_for_client(const providers::Usage& usage);

}  // namespace switchyard
