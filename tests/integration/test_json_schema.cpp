// The schema validator on its own (no gateway): each keyword with documents
// that hold and documents that break it, the refusal of keywords it does not
// implement, and OpenAI's real schemas against hand-written bodies.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <stdexcept>

#include "tests/integration/conformance_support.hpp"
#include "tests/integration/json_schema.hpp"

using namespace itest;
namespace json = boost::json;

namespace {

SchemaSet one_schema(std::string_view schema_json) {
  return SchemaSet(json::parse(R"({"$defs":{"S":)" + std::string(schema_json) +
                               R"(,"Name":{"type":"string"}}})"));
}

bool valid(const SchemaSet& schemas, std::string_view instance_json) {
  return schemas.validate("S", json::parse(instance_json)).empty();
}

}  // namespace

TEST_SUITE("json schema") {
  TEST_CASE("type: each name, type lists, integers written as 2.0") {
    auto string_schema = one_schema(R"({"type":"string"})");
    CHECK(valid(string_schema, R"("x")"));
    CHECK_FALSE(valid(string_schema, "1"));
    CHECK_FALSE(valid(string_schema, "null"));

    auto integer = one_schema(R"({"type":"integer"})");
    CHECK(valid(integer, "3"));
    CHECK(valid(integer, "-3"));
    CHECK(valid(integer, "18446744073709551615"));
    CHECK(valid(integer, "2.0"));
    CHECK_FALSE(valid(integer, "2.5"));
    CHECK_FALSE(valid(integer, R"("2")"));

    auto number = one_schema(R"({"type":"number"})");
    CHECK(valid(number, "2.5"));
    CHECK(valid(number, "2"));
    CHECK_FALSE(valid(number, "true"));

    auto boolean = one_schema(R"({"type":"boolean"})");
    CHECK(valid(boolean, "false"));
    CHECK_FALSE(valid(boolean, "0"));

    auto either = one_schema(R"({"type":["string","null"]})");
    CHECK(valid(either, R"("x")"));
    CHECK(valid(either, "null"));
    CHECK_FALSE(valid(either, "{}"));

    auto nullable = one_schema(R"({"type":"string","nullable":true})");
    CHECK(valid(nullable, "null"));
    CHECK_FALSE(valid(nullable, "[]"));
  }

  TEST_CASE("required, properties and additionalProperties") {
    auto schemas = one_schema(
        R"({"type":"object","required":["id"],
            "properties":{"id":{"type":"string"},"n":{"type":"integer"}},
            "additionalProperties":false})");
    CHECK(valid(schemas, R"({"id":"a"})"));
    CHECK(valid(schemas, R"({"id":"a","n":1})"));
    CHECK_FALSE(valid(schemas, R"({"n":1})"));
    CHECK_FALSE(valid(schemas, R"({"id":"a","n":"1"})"));
    CHECK_FALSE(valid(schemas, R"({"id":"a","extra":1})"));
    auto errors = schemas.validate("S", json::parse(R"({"n":"x","extra":1})"));
    REQUIRE(errors.size() == 3);
    CHECK(errors[0] == R"((root): missing required member "id")");
    CHECK(errors[1] == "/n: expected integer, got string");
    CHECK(errors[2] == "/extra: member not allowed here");

    auto open = one_schema(R"({"type":"object","properties":{"id":{"type":"string"}}})");
    CHECK(valid(open, R"({"anything":[1,2]})"));
    auto typed_rest = one_schema(R"({"type":"object","additionalProperties":{"type":"string"}})");
    CHECK(valid(typed_rest, R"({"a":"x","b":"y"})"));
    CHECK_FALSE(valid(typed_rest, R"({"a":"x","b":2})"));
  }

  TEST_CASE("enum, const, items") {
    auto choice = one_schema(R"({"type":"string","enum":["stop","length"]})");
    CHECK(valid(choice, R"("stop")"));
    CHECK_FALSE(valid(choice, R"("halt")"));
    auto constant = one_schema(R"({"const":1})");
    CHECK(valid(constant, "1"));
    CHECK(valid(constant, "1.0"));
    CHECK_FALSE(valid(constant, "2"));
    auto list = one_schema(R"({"type":"array","items":{"type":"integer"}})");
    CHECK(valid(list, "[]"));
    CHECK(valid(list, "[1,2]"));
    auto errors = list.validate("S", json::parse(R"([1,"two",3,null])"));
    REQUIRE(errors.size() == 2);
    CHECK(errors[0] == "/1: expected integer, got string");
    CHECK(errors[1] == "/3: expected integer, got null");
  }

  TEST_CASE("anyOf, oneOf, allOf and $ref") {
    auto any = one_schema(R"({"anyOf":[{"$ref":"#/$defs/Name"},{"type":"null"}]})");
    CHECK(valid(any, R"("x")"));
    CHECK(valid(any, "null"));
    CHECK_FALSE(valid(any, "1"));

    auto one = one_schema(R"({"oneOf":[{"type":"integer"},{"type":"number"}]})");
    CHECK(valid(one, "1.5"));      // a number only
    CHECK_FALSE(valid(one, "1"));  // an integer is also a number: two branches
    CHECK_FALSE(valid(one, "\"1\""));

    auto all = one_schema(
        R"({"allOf":[{"type":"object","required":["a"]},{"type":"object","required":["b"]}]})");
    CHECK(valid(all, R"({"a":1,"b":2})"));
    CHECK_FALSE(valid(all, R"({"a":1})"));

    auto nested = one_schema(R"({"type":"object","properties":{"name":{"$ref":"#/$defs/Name"}}})");
    CHECK(valid(nested, R"({"name":"x"})"));
    CHECK(nested.validate("S", json::parse(R"({"name":7})")) ==
          std::vector<std::string>{"/name: expected string, got integer"});
  }

  TEST_CASE("a schema it cannot fully check is refused, not half-applied") {
    CHECK_THROWS_AS(one_schema(R"({"type":"string","pattern":"^a"})"), std::runtime_error);
    CHECK_THROWS_AS(one_schema(R"({"type":"object","properties":{"x":{"minLength":1}}})"),
                    std::runtime_error);
    CHECK_THROWS_AS(one_schema(R"({"$ref":"#/$defs/Missing"})"), std::runtime_error);
    CHECK_THROWS_AS(one_schema(R"({"$ref":"other.json#/x"})"), std::runtime_error);
    CHECK_NOTHROW(one_schema(R"({"type":"string","format":"date","description":"d"})"));
    auto schemas = one_schema(R"({"type":"string"})");
    CHECK(schemas.validate("Nope", json::parse("1")) ==
          std::vector<std::string>{"no schema named Nope"});
  }

  TEST_CASE("OpenAI's schemas accept its reference answers and refuse broken ones") {
    const SchemaSet& schemas = openai_schemas();
    for (const char* root : {"CreateChatCompletionResponse", "CreateChatCompletionStreamResponse",
                             "CompletionUsage", "ListModelsResponse", "ErrorResponse"}) {
      CHECK(schemas.has(root));
    }
    json::value completion = json::parse(R"({
      "id":"chatcmpl-1","object":"chat.completion","created":1741569952,"model":"gpt-4.1",
      "choices":[{"index":0,"message":{"role":"assistant","content":"Hello","refusal":null,
                  "annotations":[]},"logprobs":null,"finish_reason":"stop"}],
      "usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,
               "prompt_tokens_details":{"cached_tokens":0}},
      "service_tier":"default"})");
    CHECK(schemas.validate("CreateChatCompletionResponse", completion).empty());

    json::value no_refusal = completion;
    no_refusal.at("choices").at(0).at("message").as_object().erase("refusal");
    CHECK(schemas.validate("CreateChatCompletionResponse", no_refusal) ==
          std::vector<std::string>{R"(/choices/0/message: missing required member "refusal")"});
    json::value no_logprobs = completion;
    no_logprobs.at("choices").at(0).as_object().erase("logprobs");
    CHECK_FALSE(schemas.validate("CreateChatCompletionResponse", no_logprobs).empty());

    json::value tool_call = completion;
    tool_call.at("choices").at(0).at("message").as_object()["tool_calls"] = json::parse(
        R"([{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}])");
    CHECK(schemas.validate("CreateChatCompletionResponse", tool_call).empty());
    tool_call.at("choices").at(0).at("message").at("tool_calls").at(0).as_object()["type"] = "x";
    CHECK_FALSE(schemas.validate("CreateChatCompletionResponse", tool_call).empty());

    CHECK(schemas
              .validate("CreateChatCompletionStreamResponse",
                        json::parse(R"({"id":"c","object":"chat.completion.chunk","created":1,
                          "model":"m","choices":[{"index":0,"delta":{"content":"Hi"},
                          "finish_reason":null}],"usage":null})"))
              .empty());
    CHECK_FALSE(schemas
                    .validate("CreateChatCompletionStreamResponse",
                              json::parse(R"({"id":"c","object":"chat.completion","created":1,
                                "model":"m","choices":[]})"))
                    .empty());

    CHECK(schemas
              .validate("ErrorResponse",
                        json::parse(R"({"error":{"message":"m","type":"t","param":null,
                                        "code":null}})"))
              .empty());
    CHECK_FALSE(
        schemas.validate("ErrorResponse", json::parse(R"({"error":{"message":"m","type":"t"}})"))
            .empty());
  }

  TEST_CASE("numbers in exponent form are found outside strings only") {
    CHECK(exponent_numbers(R"({"cost":1.38E-4})") == std::vector<std::string>{"1.38E-4"});
    CHECK(exponent_numbers(R"({"a":0E0,"b":[2e5,-1.5e+3]})") ==
          std::vector<std::string>{"0E0", "2e5", "-1.5e+3"});
    CHECK(exponent_numbers(R"({"cost":0.000138,"n":0,"m":-12})").empty());
    CHECK(exponent_numbers(R"({"text":"1e5 \"2E3\" \\","k1e5":1})").empty());
  }
}
