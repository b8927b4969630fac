// OpenAI Chat Completions: the canonical format itself, so answers and chunks
// pass through; the stream ends with the usage chunk (when asked for) and
// [DONE].
#include <boost/json.hpp>

#include "gateway/flow/dialects/client_dialect.hpp"
#include "gateway/flow/plan_request_from_chat.hpp"
#include "gateway/flow/usage_json.hpp"
#include "providers/canonical/plain_json.hpp"
#include "providers/openai/stream_usage.hpp"
#include "providers/sse/sse.hpp"

namespace switchyard {

namespace json = boost::json;

namespace {

class OpenAiChatStream final : public ClientStream {
 public:
  explicit OpenAiChatStream(bool include_usage) : include_usage_(include_usage) {}

  void on_chunk(std::string_view chunk, std::string& out) override {
    // A caller who asked for usage gets "usage": null on every other chunk.
    if (include_usage_) {
      providers::append_sse_data(out, providers::with_null_usage(chunk));
      return;
    }
    providers::append_sse_data(out, chunk);
  }

  void on_finish(const StreamFacts& facts, const providers::Usage& usage, Picousd cost,
                 std::string& out) override {
    if (include_usage_) {
      json::object chunk;
      chunk["id"] = facts.id;
      chunk["object"] = "chat.completion.chunk";
      chunk["created"] = facts.created;
      chunk["model"] = facts.model;
      chunk["choices"] = json::array();
      chunk["usage"] = usage_for_client(usage);
      for (const auto& field : facts.extras) {
        if (!chunk.contains(field.key())) chunk[field.key()] = field.value();
      }
      providers::append_sse_data(out, serialize_with_usage_cost(chunk, cost));
    }
    providers::append_sse_data(out, "[DONE]");
  }

  void on_error(const Error& error, std::string& out) override {
    providers::append_sse_data(out, switchyard::error_body(error));
  }

 private:
  bool include_usage_;
};

class OpenAiChatDialect final : public ClientDialect {
 public:
  const char* route() const override { return "chat"; }
  bool parse(std::string_view body, ChatRequest& chat, Error& error) const override {
    ParseError parse_error;
    if (parse_chat_request(body, chat, parse_error)) return true;
    error = to_error(parse_error);
    return false;
  }
  std::string answer(const json::object& completion, Picousd cost) const override {
    return serialize_with_usage_cost(completion, cost);
  }
  std::string error_body(const Error& error) const override {
    return switchyard::error_body(error);
  }
  std::unique_ptr<ClientStream> open_stream(const ChatRequest& chat) const override {
    return std::make_unique<OpenAiChatStream>(chat.include_usage);
  }
};

}  // namespace

const ClientDialect& openai_chat_dialect() {
  static const OpenAiChatDialect dialect;
  return dialect;
}

}  // namespace switchyard
