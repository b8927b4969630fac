// The canonical chat request: routing-only fields are taken out and kept raw,
// and rejections are canonical parse errors (the gateway maps them to HTTP).
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "providers/canonical/chat_request.hpp"

using namespace switchyard;

TEST_CASE("canonical chat request: provider and provenance are kept raw, not forwarded") {
  ChatRequest request;
  ParseError error;
  REQUIRE(parse_chat_request(
      R"({"model":"a/b","messages":[{"role":"user","content":"hi"}],
          "provider":{"sort":"price","only":["x"]},"provenance":{"weights":"open"}})",
      request, error));
  REQUIRE(request.provider_preferences.is_object());
  CHECK(request.provider_preferences.as_object().at("sort") == "price");
  REQUIRE(request.provenance.is_object());
  CHECK(request.provenance.as_object().at("weights") == "open");
  CHECK_FALSE(request.body.contains("provider"));
  CHECK_FALSE(request.body.contains("provenance"));
  // Kept in the request's own arena, like the body.
  CHECK(request.provider_preferences.storage().get() == request.body.storage().get());
}

TEST_CASE("canonical chat request: absent or null preferences stay null") {
  ChatRequest request;
  ParseError error;
  REQUIRE(parse_chat_request(R"({"model":"a/b","messages":[{"role":"user","content":"hi"}],
                                 "provider":null})",
                             request, error));
  CHECK(request.provider_preferences.is_null());
  CHECK(request.provenance.is_null());
}

TEST_CASE("canonical chat request: rejections name their kind and field") {
  ChatRequest request;
  ParseError error;
  CHECK_FALSE(parse_chat_request("{not json", request, error));
  CHECK(error.kind == ParseErrorKind::invalid_json);

  ChatRequest second;
  CHECK_FALSE(parse_chat_request(R"({"model":"a/b","messages":[{"role":"user","content":"hi"}],
                                     "provider":["price"]})",
                                 second, error));
  CHECK(error.kind == ParseErrorKind::invalid_request);
  CHECK(error.param == "provider");
  CHECK(error.message == "provider: must be an object, got array");

  ChatRequest third;
  CHECK_FALSE(parse_chat_request(R"({"model":"a/b"})", third, error));
  CHECK(error.kind == ParseErrorKind::invalid_request);
  CHECK(error.param == "messages");
}

TEST_CASE("canonical chat request: an empty id in models is rejected, never routed on") {
  ChatRequest request;
  ParseError error;
  CHECK_FALSE(parse_chat_request(R"({"models":[""],"messages":[{"role":"user","content":"hi"}]})",
                                 request, error));
  CHECK(error.param == "models[0]");
  CHECK(error.message == "models[0]: must not be empty");
}
