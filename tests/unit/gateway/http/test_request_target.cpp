#include <doctest/doctest.h>

#include <string>

#include "gateway/http/request_target.hpp"

using namespace switchyard;

TEST_SUITE("request target") {
  TEST_CASE("origin-form and absolute-form give the same path") {
    CHECK(target_path("/v1/models") == "/v1/models");
    CHECK(target_path("/v1/stats/share?by=origin") == "/v1/stats/share");
    CHECK(target_path("http://gw:8080/v1/chat/completions") == "/v1/chat/completions");
    CHECK(target_path("HTTPS://gw/v1/models?x=1") == "/v1/models");
    CHECK(target_path("http://gw") == "/");
    CHECK(target_path("http://gw?x") == "/");
  }

  TEST_CASE("query parameters") {
    CHECK(query_param("/s?by=family&metric=cost", "metric") == "cost");
    CHECK(query_param("/s?by", "by").empty());
    CHECK(query_param("/s", "by").empty());
  }

  TEST_CASE("client request ids are bounded and sanitised") {
    CHECK(sanitized_request_id("abc-123_x.y:z") == "abc-123_x.y:z");
    CHECK(sanitized_request_id(std::string(64, 'a')) == std::string(64, 'a'));
    CHECK(sanitized_request_id(std::string(65, 'a')).empty());
    CHECK(sanitized_request_id("").empty());
    CHECK(sanitized_request_id("a b").empty());
    CHECK(sanitized_request_id("a\"}\n{\"forged\":1").empty());
    CHECK(sanitized_request_id("caf\xc3\xa9").empty());
  }
}
