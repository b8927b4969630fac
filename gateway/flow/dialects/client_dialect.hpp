#pragma once
// A client dialect is one client API (OpenAI Chat Completions, Anthropic
// Messages, ...): it parses the client's body into the canonical request and
// writes the answer, the stream and errors in the client's format. The flow
// never asks which API it serves; a new API is a new dialect, not a branch.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "config/money.hpp"
#include "gateway/errors.hpp"
#include "providers/canonical/chat_request.hpp"
#include "providers/codec.hpp"

namespace switchyard {

// What the final chunk of a stream needs to know about the upstream's stream:
// id, created, model and the extras the upstream wrote beside its usage.
using StreamFacts = providers::StreamIdentity;

// One streamed answer in the client's format. on_chunk takes a canonical
// chat.completion.chunk payload; exactly one of on_finish / on_error ends it.
class ClientStream {
 public:
  virtual ~ClientStream() = default;
  virtual void on_chunk(std::string_view chunk_json, std::string& out) = 0;
  virtual void on_finish(const StreamFacts& facts, const providers::Usage& usage, Picousd cost,
                         std::string& out) = 0;
  // After the first byte an error can only travel in the stream: the
  // client's in-band error event, and no end-of-stream marker after it.
  virtual void on_error(const Error& error, std::string& out) = 0;
  virtual const char* content_type() const { return "text/event-stream"; }
};

class ClientDialect {
 public:
  virtual ~ClientDialect() = default;
  // The usage record's `route`.
  virtual const char* route() const = 0;
  // The client's body -> canonical request; false with `error` (naming the
  // field) when it is not a valid request of this API.
  virtual bool parse(std::string_view body, ChatRequest& chat, Error& error) const = 0;
  // A canonical chat.completion (usage included) and its cost -> response body.
  virtual std::string answer(const boost::json::object& completion, Picousd cost) const = 0;
  virtual std::string error_body(const Error& error) const = 0;
  virtual std::unique_ptr<ClientStream> open_stream(const ChatRequest& chat) const = 0;
};

// POST /v1/chat/completions
const ClientDialect& openai_chat_dialect();
// POST /v1/messages
const ClientDialect& anthropic_messages_dialect();

}  // namespace switchyard
