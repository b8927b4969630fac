#pragma once
// The models a local server says it serves: Ollama's GET /api/tags
// ({"models":[{"name":"llama3.1:8b","model":"llama3.1:8b",...}]}) and the
// OpenAI-style GET <base>/models that vLLM serves
// ({"object":"list","data":[{"id":"Qwen/Qwen2.5-7B-Instruct",...}]}).
// Only servers that refuse a model they do not serve are asked (Ollama,
// vLLM): llama.cpp and SGLang answer any model name with the one they loaded,
// and cloud APIs accept aliases their listings leave out, so a listing would
// mark usable endpoints unhealthy there.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace switchyard::providers {

// Where to ask, from the host root; nullopt when this server is not asked.
std::optional<std::string> model_list_path(const config::Provider& provider);

// The model names in a listing body (either shape); nullopt when the body is
// not a listing, so the server is checked as one, as before.
std::optional<std::vector<std::string>> parse_model_listing(std::string_view body);

// Whether `upstream_model` is among `listed`. Ollama names a model without a
// tag as its ":latest" tag, so "llama3.1" is served by "llama3.1:latest".
bool listing_serves(const std::vector<std::string>& listed, std::string_view upstream_model);

}  // namespace switchyard::providers
