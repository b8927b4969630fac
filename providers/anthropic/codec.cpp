// The Anthropic Messages API codec: the canonical OpenAI-shaped request goes
// out as a Messages request, and the answer (whole, streamed, or an error)
// comes back in OpenAI shape. The translations live in anthropic_request.cpp,
// anthropic_response.cpp and anthropic_stream.cpp.
#include <chrono>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "providers/anthropic/messages.hpp"
#include "providers/body_codec.hpp"
#include "providers/canonical/chat_request.hpp"

namespace switchyard::providers {
namespace {

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class AnthropicCodec final : public BodyCodec {
 public:
  AnthropicCodec() : created_(now_seconds()), stream_(created_, {}) {}

  UpstreamRequest encode(const ChatRequest& request, const config::Provider& provider,
                         const config::Endpoint& endpoint, const config::Model& model) override {
    UpstreamRequest out;
    out.path = "/messages";
    if (!provider.api_key.empty()) out.headers.emplace_back("x-api-key", provider.api_key);
    out.headers.emplace_back("anthropic-version", provider.anthropic_version);
    out.headers.emplace_back("content-type", "application/json");

    anthropic::EncodeInput input;
    input.openai_body = &request.body;
    input.upstream_model = endpoint.upstream_model;
    // Anthropic requires max_tokens; the catalog's limit stands in when the
    // caller gave none.
    input.max_tokens = request.max_tokens.value_or(model.max_output_tokens);
    input.stream = request.stream;
    input.user = request.user;
    out.body = boost::json::serialize(anthropic::encode_messages_body(input, out.dropped));
    stream_ = anthropic::StreamTranslator(created_, endpoint.upstream_model);
    expect_stream(request.stream);
    return out;
  }

  UpstreamError map_error(int status, std::string_view body) override {
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(body, ec);
    const boost::json::object* root = ec ? nullptr : parsed.if_object();
    const boost::json::object* details = root ? anthropic::find_object(*root, "error") : nullptr;
    if (!details) {
      // A proxy's HTML page or an empty body: say only what we know.
      return anthropic::make_upstream_error(
          status, "error", "HTTP " + std::to_string(status) + " without an Anthropic error body");
    }
    return anthropic::make_upstream_error(status, anthropic::string_or(*details, "type"),
                                          anthropic::string_or(*details, "message"));
  }

 protected:
  bool decode_whole(std::string_view body, BodyOutput& out) override {
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(body, ec);
    const boost::json::object* message = ec ? nullptr : parsed.if_object();
    if (message && anthropic::string_or(*message, "type") == "error") {
      out.error = map_error(0, body);
      return false;
    }
    if (!message ||
        !anthropic::message_to_completion(*message, created_, out.completion, out.usage)) {
      out.error =
          UpstreamError{FailureKind::protocol, 0,
                        "anthropic: the response is not a Messages API message", std::nullopt};
      return false;
    }
    return true;
  }

  // Only message_stop ends an Anthropic stream: a body that closes without it
  // is truncated, whatever came before.
  StreamStep on_event(const SseEvent& event, BodyOutput& out) override {
    StreamStep step = stream_.on_event(event, out.chunks, out.error);
    // Only message_start and message_delta change usage or identity; copying
    // on every text delta would cost the relay for nothing.
    std::string_view data = event.data;
    if (data.find("\"usage\"") != std::string_view::npos ||
        data.find("message_start") != std::string_view::npos) {
      out.usage = stream_.usage();
      out.stream.id = stream_.id();
      out.stream.created = stream_.created();
      out.stream.model = stream_.model();
    }
    return step;
  }

 private:
  std::int64_t created_;
  anthropic::StreamTranslator stream_;
};

}  // namespace

std::unique_ptr<Codec> make_anthropic_codec() {
  return std::make_unique<AnthropicCodec>();
}

}  // namespace switchyard::providers
