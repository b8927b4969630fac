// Error messages may quote upstream bytes; the bodies that carry them must
// stay valid JSON (Boost.JSON writes strings byte for byte).
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "gateway/errors.hpp"
#include "providers/anthropic/ingress.hpp"
#include "providers/canonical/strict_json.hpp"

using namespace switchyard;

TEST_CASE("error bodies: invalid UTF-8 in a message becomes U+FFFD") {
  const std::string message = "upstream error: cut \xE2\x82 here \xFF";
  boost::system::error_code ec;
  auto openai = boost::json::parse(error_body(make_error(ErrorCode::upstream_error, message)), ec);
  REQUIRE_FALSE(ec);
  CHECK(openai.at("error").at("message") ==
        "upstream error: cut \xEF\xBF\xBD\xEF\xBF\xBD here \xEF\xBF\xBD");
  auto anthropic = boost::json::parse(providers::anthropic_error_body(502, message), ec);
  REQUIRE_FALSE(ec);
  CHECK(anthropic.at("error").at("message") ==
        "upstream error: cut \xEF\xBF\xBD\xEF\xBF\xBD here \xEF\xBF\xBD");
}

TEST_CASE("valid_utf8: valid text is unchanged") {
  CHECK(valid_utf8("plain, caf\xC3\xA9, \xF0\x9F\x98\x80") ==
        "plain, caf\xC3\xA9, \xF0\x9F\x98\x80");
  CHECK(valid_utf8("") == "");
}
