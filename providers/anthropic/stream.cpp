// Streamed Anthropic Messages events -> OpenAI chat.completion.chunk payloads.
//
// Anthropic: message_start, then per content block content_block_start /
// content_block_delta... / content_block_stop, then message_delta (stop reason,
// cumulative output usage) and message_stop; ping and error may come anywhere.
// OpenAI: one chunk per delta, the first announcing the role, tool calls
// numbered by their own index, and a last chunk carrying finish_reason.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "providers/anthropic/messages.hpp"
#include "providers/canonical/redact.hpp"

namespace switchyard::providers::anthropic {

using boost::json::array;
using boost::json::object;
using boost::json::value;

StreamStep StreamTranslator::on_event(const SseEvent& event, std::vector<std::string>& chunks,
                                      UpstreamError& error) {
  boost::system::error_code ec;
  value parsed = boost::json::parse(event.data, ec);
  const object* data = ec ? nullptr : parsed.if_object();
  if (!data) {
    error = UpstreamError{FailureKind::protocol, 0,
                          "anthropic: malformed stream event '" +
                              providers::redact_keys(truncate_utf8(event.event, 64)) + "'",
                          std::nullopt};
    return StreamStep::failed;
  }
  // The payload's own type is authoritative; the event: line only mirrors it.
  std::string_view type = string_or(*data, "type", event.event);
  if (type == "message_start") {
    on_message_start(*data);
  } else if (type == "content_block_start") {
    on_block_start(*data, chunks);
  } else if (type == "content_block_delta") {
    on_block_delta(*data, chunks);
  } else if (type == "message_delta") {
    on_message_delta(*data, chunks);
  } else if (type == "message_stop") {
    return StreamStep::done;
  } else if (type == "error") {
    const object* details = find_object(*data, "error");
    error = make_upstream_error(0, details ? string_or(*details, "type") : std::string_view(),
                                details ? string_or(*details, "message") : std::string_view());
    return StreamStep::failed;
  }
  // ping, content_block_stop and event types added later carry nothing for us.
  return StreamStep::more;
}

void StreamTranslator::on_message_start(const object& event) {
  const object* message = find_object(event, "message");
  if (!message) return;
  if (auto id = string_or(*message, "id"); !id.empty()) id_ = id;
  if (auto model = string_or(*message, "model"); !model.empty()) model_ = model;
  if (const auto* usage = find_object(*message, "usage")) merge_anthropic_usage(*usage, usage_);
}

void StreamTranslator::on_block_start(const object& event, std::vector<std::string>& chunks) {
  const object* block = find_object(event, "content_block");
  if (!block) return;
  std::string_view type = string_or(*block, "type");
  if (type == "text") {
    ensure_role_chunk(chunks);
    if (auto text = string_or(*block, "text"); !text.empty()) {
      emit(object{{"content", text}}, nullptr, chunks);
    }
  } else if (type == "thinking") {
    ensure_role_chunk(chunks);
  } else if (type == "tool_use") {
    ensure_role_chunk(chunks);
    std::int64_t tool_index = next_tool_index_++;
    tool_index_by_block_[find_int(event, "index").value_or(-1)] = tool_index;
    object function{{"name", string_or(*block, "name")}, {"arguments", ""}};
    object call{{"index", tool_index},
                {"id", string_or(*block, "id")},
                {"type", "function"},
                {"function", std::move(function)}};
    emit(object{{"tool_calls", array{std::move(call)}}}, nullptr, chunks);
  }
}

void StreamTranslator::on_block_delta(const object& event, std::vector<std::string>& chunks) {
  const object* delta = find_object(event, "delta");
  if (!delta) return;
  std::string_view type = string_or(*delta, "type");
  if (type == "text_delta") {
    if (auto text = string_or(*delta, "text"); !text.empty()) {
      ensure_role_chunk(chunks);
      emit(object{{"content", text}}, nullptr, chunks);
    }
  } else if (type == "thinking_delta") {
    if (auto thinking = string_or(*delta, "thinking"); !thinking.empty()) {
      ensure_role_chunk(chunks);
      emit(object{{"reasoning_content", thinking}}, nullptr, chunks);
    }
  } else if (type == "input_json_delta") {
    auto found = tool_index_by_block_.find(find_int(event, "index").value_or(-1));
    auto partial = string_or(*delta, "partial_json");
    if (found == tool_index_by_block_.end() || partial.empty()) return;
    object call{{"index", found->second}, {"function", object{{"arguments", partial}}}};
    emit(object{{"tool_calls", array{std::move(call)}}}, nullptr, chunks);
  }
  // signature_delta and citations_delta have no OpenAI counterpart.
}

void StreamTranslator::on_message_delta(const object& event, std::vector<std::string>& chunks) {
  if (const auto* usage = find_object(event, "usage")) merge_anthropic_usage(*usage, usage_);
  const object* delta = find_object(event, "delta");
  const auto* stop_reason = delta ? find_string(*delta, "stop_reason") : nullptr;
  if (!stop_reason) return;
  ensure_role_chunk(chunks);
  emit(object(), finish_reason_from_stop_reason(*stop_reason), chunks);
}

void StreamTranslator::ensure_role_chunk(std::vector<std::string>& chunks) {
  if (role_sent_) return;
  role_sent_ = true;
  emit(object{{"role", "assistant"}, {"content", ""}}, nullptr, chunks);
}

void StreamTranslator::emit(object delta, const char* finish_reason,
                            std::vector<std::string>& chunks) {
  object choice;
  choice["index"] = 0;
  choice["delta"] = std::move(delta);
  choice["finish_reason"] = finish_reason ? value(finish_reason) : value(nullptr);
  object chunk;
  chunk["id"] = id_;
  chunk["object"] = "chat.completion.chunk";
  chunk["created"] = created_;
  chunk["model"] = model_;
  chunk["choices"] = array{std::move(choice)};
  chunks.push_back(boost::json::serialize(chunk));
}

}  // namespace switchyard::providers::anthropic
