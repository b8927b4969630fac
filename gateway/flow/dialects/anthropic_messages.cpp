// Anthropic Messages: the body is translated into the canonical request, the
// canonical answer back into a message, the chunks into Anthropic's event
// stream (message_start ... message_stop), errors into its error shape.
#include <boost/json.hpp>

#include "gateway/flow/dialects/client_dialect.hpp"
#include "gateway/flow/plan_request_from_chat.hpp"
#include "providers/anthropic/ingress.hpp"
#include "providers/canonical/plain_json.hpp"

namespace switchyard {

namespace json = boost::json;

namespace {

class AnthropicMessagesStream final : public ClientStream {
 public:
  void on_chunk(std::string_view chunk, std::string& out) override { writer_.on_chunk(chunk, out); }
  void on_finish(const StreamFacts&, const providers::Usage& usage, Picousd,
                 std::string& out) override {
    writer_.finish(usage, out);
  }
  void on_error(const Error& error, std::string& out) override {
    writer_.fail(http_status(error) == 529 ? "overloaded_error" : "api_error", error.message, out);
  }

 private:
  providers::AnthropicStreamWriter writer_;
};

class AnthropicMessagesDialect final : public ClientDialect {
 public:
  const char* route() const override { return "messages"; }

  bool parse(std::string_view body, ChatRequest& chat, Error& error) const override {
    json::object canonical;
    std::string message;
    std::string param;
    if (!providers::anthropic_request_to_openai(body, canonical, message, param)) {
      error = make_error(message.find("JSON") != std::string::npos ? ErrorCode::invalid_json
                                                                   : ErrorCode::invalid_request,
                         message, param);
      return false;
    }
    ParseError parse_error;
    if (validate_chat_object(std::move(canonical), chat, parse_error)) return true;
    error = to_error(parse_error);
    return false;
  }

  std::string answer(const json::object& completion, Picousd) const override {
    return serialize_plain(providers::openai_response_to_anthropic(completion));
  }

  std::string error_body(const Error& error) const override {
    return providers::anthropic_error_body(http_status(error), error.message);
  }

  std::unique_ptr<ClientStream> open_stream(const ChatRequest&) const override {
    return std::make_unique<AnthropicMessagesStream>();
  }
};

}  // namespace

const ClientDialect& anthropic_messages_dialect() {
  static const AnthropicMessagesDialect dialect;
  return dialect;
}

}  // namespace switchyard
