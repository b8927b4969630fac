// Numbers as peers write them, and usage.cost written exactly from picodollars.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "providers/canonical/plain_json.hpp"

using namespace switchyard;
namespace json = boost::json;

TEST_SUITE("plain json") {
  TEST_CASE("doubles are plain decimals, integral ones integers, zero is 0") {
    CHECK(json::serialize(json::value(1.38e-4)) == "1.38E-4");  // what Boost writes
    CHECK(serialize_plain(1.38e-4) == "0.000138");
    CHECK(serialize_plain(0.0) == "0");
    CHECK(serialize_plain(-0.0) == "0");
    CHECK(serialize_plain(12.0) == "12");
    CHECK(serialize_plain(-2.5) == "-2.5");
    CHECK(serialize_plain(0.1) == "0.1");
    CHECK(serialize_plain(1e21) == "1000000000000000000000");
    CHECK(serialize_plain(std::numeric_limits<double>::infinity()) == "null");
    CHECK(serialize_plain(std::nan("")) == "null");
    // The shortest form reads back as the same double (through strtod: Boost
    // 1.81's parser rounds very long literals).
    for (double d : {1.0 / 3, 5e-324, 1.7976931348623157e308, 123.456e-7}) {
      CHECK(std::strtod(serialize_plain(d).c_str(), nullptr) == d);
    }
  }

  TEST_CASE("everything else is written as Boost writes it") {
    json::value document = json::parse(
        R"({"s":"a\"b\\c\u0001","n":null,"t":true,"i":-7,"u":18446744073709551615,
            "a":[0.5,[],{}],"o":{"x":{"y":2.0}}})");
    CHECK(serialize_plain(document) ==
          R"({"s":"a\"b\\c\u0001","n":null,"t":true,"i":-7,"u":18446744073709551615,)"
          R"("a":[0.5,[],{}],"o":{"x":{"y":2}}})");
    // Stable: what it writes reads back to a value it writes the same way.
    CHECK(serialize_plain(json::parse(serialize_plain(document))) == serialize_plain(document));
  }

  TEST_CASE("usage.cost is exact, plain and last in usage") {
    json::object completion{{"id", "x"},
                            {"usage", json::object{{"prompt_tokens", 10}, {"cost", 1e-9}}},
                            {"created", 1}};
    // 138'000'000 picodollars is 0.000138 USD.
    CHECK(serialize_with_usage_cost(completion, 138'000'000) ==
          R"({"id":"x","usage":{"prompt_tokens":10,"cost":0.000138},"created":1})");
    CHECK(serialize_with_usage_cost(completion, 0) ==
          R"({"id":"x","usage":{"prompt_tokens":10,"cost":0},"created":1})");
    // Beyond what a double holds: every picodollar is still there.
    CHECK(serialize_with_usage_cost(completion, std::numeric_limits<Picousd>::max()) ==
          R"({"id":"x","usage":{"prompt_tokens":10,"cost":9223372.036854775807},"created":1})");
    CHECK(serialize_with_usage_cost(json::object{{"usage", json::object{}}}, 5) ==
          R"({"usage":{"cost":0.000000000005}})");
    CHECK(serialize_with_usage_cost(json::object{{"usage", nullptr}, {"p", 0.25}}, 5) ==
          R"({"usage":null,"p":0.25})");
  }
}
