#include <doctest/doctest.h>

#include "providers/upstream/retry_after.hpp"

using namespace switchyard::providers;

TEST_CASE("retry-after: seconds, HTTP dates, junk") {
  auto now = std::chrono::system_clock::from_time_t(1'700'000'000);  // Tue, 14 Nov 2023 22:13:20
  CHECK(parse_retry_after(" 7 ", now) == std::chrono::seconds(7));
  CHECK(parse_retry_after("Tue, 14 Nov 2023 22:13:50 GMT", now) == std::chrono::seconds(30));
  CHECK(parse_retry_after("Tue, 14 Nov 2023 22:00:00 GMT", now) == std::chrono::seconds(0));
  CHECK(parse_retry_after("12345678901", now) == std::chrono::seconds(999'999'999));
  CHECK_FALSE(parse_retry_after("soon", now));
  CHECK_FALSE(parse_retry_after("", now));
}
