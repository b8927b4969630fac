#pragma once
// JSON text with numbers as every peer writes them. Boost.JSON writes each
// double in exponent form ("1.38E-4", "0E0"): valid JSON, but clients that
// show or compare the value get odd text. And money is exact integer
// picodollars underneath, which a double cannot hold in general, so the one
// money member the gateway adds to bodies (usage.cost) is written by hand
// from the integer, here and nowhere else.
#include <string>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "config/money.hpp"

namespace switchyard {

// boost::json::serialize, except doubles: an integral one as an integer ("0",
// "12"), any other in the shortest plain decimal that reads back as the same
// double ("0.000138"). Non-finite doubles, which JSON cannot express, become
// null.
std::string serialize_plain(const boost::json::value& value);
// The same, appended to `out`.
void append_plain_json(std::string& out, const boost::json::value& value);

// `document` as serialize_plain writes it, with "cost" (USD, exact, plain
// decimal: "0.000138", "0") as the last member of its `usage` object; a cost
// already there is replaced. A document without a usage object gets none.
std::string serialize_with_usage_cost(const boost::json::object& document, Picousd cost);

}  // namespace switchyard
