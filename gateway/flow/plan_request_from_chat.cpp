#include "gateway/flow/plan_request_from_chat.hpp"

#include <boost/json/value.hpp>

namespace switchyard {

Error to_error(const ParseError& error) {
  ErrorCode code = error.kind == ParseErrorKind::invalid_json ? ErrorCode::invalid_json
                                                              : ErrorCode::invalid_request;
  return make_error(code, error.message, error.param);
}

bool make_plan_request(const ChatRequest& chat, policies::PlanRequest& out, Error& error) {
  std::string message;
  std::string param;
  if (!policies::parse_request_preferences(chat.provider_preferences.if_object(),
                                           chat.provenance.if_object(), out.prefs, message,
                                           param)) {
    error = make_error(ErrorCode::invalid_request, std::move(message), std::move(param));
    return false;
  }
  out.kind = policies::RequestKind::chat;
  out.model = chat.model;
  out.models = chat.models;
  out.estimated_prompt_tokens = chat.estimated_prompt_tokens;
  out.max_tokens = chat.max_tokens;
  return true;
}

}  // namespace switchyard
