// What a server lists, and which catalog upstream names that covers.
#include <doctest/doctest.h>

#include "providers/upstream/model_listing.hpp"

using namespace switchyard;
using namespace switchyard::providers;

TEST_SUITE("model listing") {
  TEST_CASE("Ollama's /api/tags and vLLM's /v1/models are read; anything else is no listing") {
    auto ollama = parse_model_listing(
        R"({"models":[{"name":"llama3.1:8b","model":"llama3.1:8b","size":1,"details":{}},)"
        R"({"name":"qwen2.5:latest","model":"qwen2.5:latest"}]})");
    REQUIRE(ollama);
    CHECK(*ollama == std::vector<std::string>{"llama3.1:8b", "qwen2.5:latest"});
    auto vllm = parse_model_listing(
        R"({"object":"list","data":[{"id":"Qwen/Qwen2.5-7B-Instruct","object":"model"}]})");
    REQUIRE(vllm);
    CHECK(*vllm == std::vector<std::string>{"Qwen/Qwen2.5-7B-Instruct"});
    auto empty = parse_model_listing(R"({"models":[]})");
    REQUIRE(empty);
    CHECK(empty->empty());
    CHECK_FALSE(parse_model_listing(R"({"version":"0.5.7"})"));
    CHECK_FALSE(parse_model_listing("OK"));
    CHECK_FALSE(parse_model_listing(R"({"id":"chatcmpl-1","choices":[]})"));
  }

  TEST_CASE("a tag-less name is the :latest tag; other tags are other models") {
    std::vector<std::string> listed = {"llama3.1:latest", "qwen2.5:7b", "org/Model-7B"};
    CHECK(listing_serves(listed, "llama3.1"));
    CHECK(listing_serves(listed, "llama3.1:latest"));
    CHECK_FALSE(listing_serves(listed, "llama3.1:70b"));
    CHECK(listing_serves(listed, "qwen2.5:7b"));
    CHECK_FALSE(listing_serves(listed, "qwen2.5"));
    CHECK(listing_serves(listed, "org/Model-7B"));
    CHECK_FALSE(listing_serves(listed, "org/model-7b"));
  }

  TEST_CASE("only servers that refuse unknown models are asked") {
    config::Provider provider;
    provider.url.base_path = "/v1";
    provider.flavor = "ollama";
    CHECK(model_list_path(provider) == "/api/tags");
    provider.flavor = "vllm";
    CHECK(model_list_path(provider) == "/v1/models");
    for (const char* flavor : {"llamacpp", "sglang", "generic", "openai", "deepseek"}) {
      provider.flavor = flavor;
      CHECK_FALSE(model_list_path(provider));
    }
    provider.flavor = "vllm";
    provider.kind = config::ProviderKind::anthropic;
    CHECK_FALSE(model_list_path(provider));
  }
}
