// The Anthropic Messages codec (upstream side) in both directions.
// Invariants: the Messages request we send is strict JSON with the upstream
// model, a max_tokens and a messages array; every chunk we translate from an
// Anthropic stream is our own strict JSON; the usage we keep is finite and
// non-negative; error messages are bounded and never carry the key.
#include <string>

#include "tests/fuzz/codec_support.hpp"

namespace {

namespace json = boost::json;
using namespace switchyard;
using namespace switchyard::fuzz;

void fuzz_request(std::string_view payload) {
  ChatRequest request;
  ParseError error;
  if (!parse_chat_request(payload, request, error)) return;
  auto codec = providers::make_anthropic_codec();
  config::Model model;
  model.max_output_tokens = 4096;
  providers::UpstreamRequest out = codec->encode(request, fuzz_provider(), fuzz_endpoint(), model);
  json::object body = parse_ours(out.body).as_object();
  SWITCHYARD_FUZZ_CHECK(body.at("model") == "upstream-model");
  SWITCHYARD_FUZZ_CHECK(body.contains("max_tokens"));
  SWITCHYARD_FUZZ_CHECK(body.at("messages").is_array());
  SWITCHYARD_FUZZ_CHECK(out.body.find(kCanaryKey) == std::string::npos);
}

void fuzz_response(std::string_view payload) {
  auto codec = primed_codec(providers::make_anthropic_codec(), false);
  feed_body(*codec, payload, true);
}

void fuzz_stream(std::string_view payload) {
  auto codec = primed_codec(providers::make_anthropic_codec(), true);
  feed_body(*codec, payload, true);
}

void fuzz_error(std::string_view payload) {
  providers::UpstreamError error;
  fuzz_codec_error(providers::make_anthropic_codec(), payload, error);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  return run_direction(bytes, size, {fuzz_request, fuzz_response, fuzz_stream, fuzz_error});
}
