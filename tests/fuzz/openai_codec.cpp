// The OpenAI-compatible codec in both directions. Invariants: the request we
// send upstream is strict JSON carrying the caller's fields with only the
// model and stream usage rewritten; whatever comes back, the completion and
// usage we keep are finite JSON and error messages are bounded and keyless.
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
  auto codec = providers::make_openai_codec();
  providers::UpstreamRequest out =
      codec->encode(request, fuzz_provider(), fuzz_endpoint(), config::Model{});
  json::object body = parse_ours(out.body).as_object();
  SWITCHYARD_FUZZ_CHECK(body.at("model") == "upstream-model");
  for (std::string_view routing_only : {"models", "provider", "provenance"}) {
    SWITCHYARD_FUZZ_CHECK(!body.contains(routing_only));
  }
  if (request.stream) {
    SWITCHYARD_FUZZ_CHECK(body.at("stream_options").at("include_usage") == true);
  }
  for (const auto& field : request.body) {
    if (field.key() == "model" || (request.stream && field.key() == "stream_options")) continue;
    SWITCHYARD_FUZZ_CHECK(body.contains(field.key()));
  }
}

void fuzz_response(std::string_view payload) {
  auto codec = primed_codec(providers::make_openai_codec(), false);
  feed_body(*codec, payload, false);
}

void fuzz_stream(std::string_view payload) {
  auto codec = primed_codec(providers::make_openai_codec(), true);
  feed_body(*codec, payload, false);
}

void fuzz_error(std::string_view payload) {
  providers::UpstreamError error;
  int status = fuzz_codec_error(providers::make_openai_codec(), payload, error);
  SWITCHYARD_FUZZ_CHECK(status == 0 || error.status == status);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  return run_direction(bytes, size, {fuzz_request, fuzz_response, fuzz_stream, fuzz_error});
}
