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
  if (payload.empty()) return;
  int status = 400 + static_cast<unsigned char>(payload[0]) % 200;
  auto codec = providers::make_anthropic_codec();
  providers::UpstreamError error = codec->map_error(status, payload.substr(1));
  check_error(error);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  std::string_view payload = as_text(bytes + 1, size - 1);
  switch (direction_of(bytes[0])) {
    case Direction::request:
      fuzz_request(payload);
      break;
    case Direction::response:
      fuzz_response(payload);
      break;
    case Direction::stream:
      fuzz_stream(payload);
      break;
    case Direction::error:
      fuzz_error(payload);
      break;
  }
  return 0;
}
