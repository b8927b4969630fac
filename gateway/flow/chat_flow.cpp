#include "gateway/flow/chat_flow.hpp"

#include <boost/asio.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "gateway/accounting/accounting.hpp"
#include "providers/canonical/chat_request.hpp"
#include "gateway/http/server.hpp"
#include "gateway/http/session.hpp"
#include "gateway/flow/attempt.hpp"
#include "gateway/flow/plan_request_from_chat.hpp"
#include "policies/planner.hpp"
#include "policies/pricing.hpp"
#include "providers/canonical/token_estimate.hpp"
#include "providers/anthropic/ingress.hpp"
#include "providers/canonical/plain_json.hpp"
#include "providers/openai/stream_usage.hpp"
#include "providers/redact_secret.hpp"

namespace switchyard {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The price is always the serving endpoint's.
Picousd cost_for(const providers::Usage& usage, const config::Price& price) {
  return policies::settled_cost(price, {usage.prompt_tokens, usage.cached_prompt_tokens,
                                        usage.cache_creation_tokens, usage.completion_tokens});
}

// The client's usage object; its "cost" is written by serialize_with_usage_cost.
json::object usage_for_client(const providers::Usage& usage) {
  json::object object = usage.raw;
  if (!usage.reported) {
    object["prompt_tokens"] = usage.prompt_tokens;
    object["completion_tokens"] = usage.completion_tokens;
    object["total_tokens"] = usage.prompt_tokens + usage.completion_tokens;
  }
  return object;
}

class OpenAiClientStream final : public ClientStream {
 public:
  explicit OpenAiClientStream(bool include_usage) : include_usage_(include_usage) {}
  void on_chunk(std::string_view chunk, std::string& out) override {
    if (include_usage_) {
      providers::append_sse_data(out, providers::with_null_usage(chunk));
      return;
    }
    providers::append_sse_data(out, chunk);
  }
  void on_finish(const providers::Codec& codec, const providers::Usage& usage, Picousd cost,
                 std::string& out) override {
    if (include_usage_) {
      json::object chunk;
      chunk["id"] = codec.stream_id();
      chunk["object"] = "chat.completion.chunk";
      chunk["created"] = codec.stream_created();
      chunk["model"] = codec.stream_model();
      chunk["choices"] = json::array();
      chunk["usage"] = usage_for_client(usage);
      // What the upstream wrote beside its usage (llama.cpp's timings).
      for (const auto& field : codec.stream_extras()) {
        if (!chunk.contains(field.key())) chunk[field.key()] = field.value();
      }
      providers::append_sse_data(out, serialize_with_usage_cost(chunk, cost));
    }
    providers::append_sse_data(out, "[DONE]");
  }
  void on_error(const Error& error, std::string& out) override {
    // After the first byte an error can only travel in the stream; no [DONE]
    // follows, so clients see the failure.
    providers::append_sse_data(out, error_body(error));
  }

 private:
  bool include_usage_;
};

class AnthropicClientStream final : public ClientStream {
 public:
  void on_chunk(std::string_view chunk, std::string& out) override { writer_.on_chunk(chunk, out); }
  void on_finish(const providers::Codec&, const providers::Usage& usage, Picousd,
                 std::string& out) override {
    writer_.finish(usage, out);
  }
  void on_error(const Error& error, std::string& out) override {
    writer_.fail(http_status(error) == 529 ? "overloaded_error" : "api_error", error.message, out);
  }

 private:
  providers::AnthropicStreamWriter writer_;
};

ErrorCode error_for_failure(const providers::UpstreamError& failure) {
  switch (failure.kind) {
    case providers::FailureKind::timeout:
      return ErrorCode::upstream_timeout;
    case providers::FailureKind::tls:
      return ErrorCode::upstream_tls_error;
    case providers::FailureKind::rate_limited:
      return ErrorCode::upstream_rate_limited;
    default:
      return ErrorCode::upstream_error;
  }
}

std::string outcome_for(const Error& error) {
  switch (error.code) {
    case ErrorCode::invalid_json:
    case ErrorCode::invalid_request:
      return "bad_request";
    case ErrorCode::unauthorized:
      return "unauthorized";
    case ErrorCode::policy_denied:
      return "denied";
    case ErrorCode::model_not_found:
      return "not_found";
    case ErrorCode::all_cooling_down:
    case ErrorCode::upstream_rate_limited:
      return "rate_limited";
    case ErrorCode::no_endpoint:
      return "no_endpoint";
    default:
      return "upstream_error";
  }
}

// Removes the provider's own key from upstream text we pass on.
std::string redact(std::string text, const config::Provider& provider) {
  providers::redact_secret(text, provider.api_key);
  return text;
}

struct ChatState {
  RequestScope& scope;
  ClientDialect dialect;
  UsageRecord record;
};

void fill_endpoint_facts(UsageRecord& record, const config::EndpointRef& ref) {
  record.served_model = ref.model->id;
  record.provider = ref.provider->name;
  record.upstream_model = ref.endpoint->upstream_model;
  record.family = ref.model->family;
  record.origin = ref.model->origin;
  record.weights = config::to_string(ref.model->weights);
  record.hosting = config::to_string(ref.provider->location);
  record.jurisdiction = ref.provider->jurisdiction;
}

std::vector<std::pair<std::string, std::string>> served_headers(const RequestScope& scope,
                                                                const config::EndpointRef& ref,
                                                                std::size_t attempts) {
  return {{"x-request-id", scope.request_id},
          {"x-switchyard-provider", ref.provider->name},
          {"x-switchyard-model", ref.model->id},
          {"x-switchyard-attempts", std::to_string(attempts)}};
}

// The usage record is written before the client's last byte: with fsync
// "always", a client holding the whole answer knows its line is durable, and a
// crash can never lose the record of an answered request.
void finish_record(ChatState& state) {
  state.record.duration_ms = ms_since(state.scope.start);
  state.scope.session.worker().gateway().accounting().record(state.record);
}

net::awaitable<bool> send_error(ChatState& state, const Error& error) {
  int status = http_status(error);
  std::string body = state.dialect == ClientDialect::anthropic
                         ? providers::anthropic_error_body(status, error.message)
                         : error_body(error);
  auto response = json_response(status, std::move(body), true);
  response.set("x-request-id", state.scope.request_id);
  if (!should_retry(error)) response.set("x-should-retry", "false");
  if (error.retry_after_s)
    response.set(http::field::retry_after, std::to_string(*error.retry_after_s));
  state.record.status = status;
  state.record.outcome = outcome_for(error);
  state.scope.access.status = status;
  finish_record(state);
  co_return co_await state.scope.session.write_response(response);
}

Error plan_error(const policies::RoutePlan& plan) {
  switch (plan.failure) {
    case policies::PlanFailure::unknown_model:
      return make_error(ErrorCode::model_not_found, plan.message, "model");
    case policies::PlanFailure::denied:
      return make_error(ErrorCode::policy_denied, plan.message);
    case policies::PlanFailure::cooling_down: {
      Error error = make_error(ErrorCode::all_cooling_down, plan.message);
      error.retry_after_s = static_cast<int>(plan.retry_after ? plan.retry_after->count() : 1);
      return error;
    }
    default: {
      Error error = make_error(ErrorCode::no_endpoint, plan.message);
      if (!plan.retryable) error.retryable = false;
      return error;
    }
  }
}

bool parse_for_dialect(const RequestScope& scope, ClientDialect dialect, ChatRequest& chat,
                       Error& error) {
  ParseError parse_error;
  if (dialect == ClientDialect::openai) {
    if (parse_chat_request(scope.request.body(), chat, parse_error)) return true;
    error = to_error(parse_error);
    return false;
  }
  json::object body;
  std::string message;
  std::string param;
  if (!providers::anthropic_request_to_openai(scope.request.body(), body, message, param)) {
    error = make_error(message.find("JSON") != std::string::npos ? ErrorCode::invalid_json
                                                                 : ErrorCode::invalid_request,
                       message, param);
    return false;
  }
  if (validate_chat_object(std::move(body), chat, parse_error)) return true;
  error = to_error(parse_error);
  return false;
}

// Tokens of the answer text when the upstream reported none.
std::int64_t estimate_completion_tokens(const json::object& completion) {
  std::int64_t tokens = 0;
  const json::value* choices = completion.if_contains("choices");
  if (choices == nullptr || !choices->is_array()) return 0;
  for (const json::value& choice : choices->get_array()) {
    const json::object* object = choice.if_object();
    const json::value* message = object ? object->if_contains("message") : nullptr;
    const json::object* fields = message ? message->if_object() : nullptr;
    if (fields == nullptr) continue;
    for (std::string_view name : {"content", "reasoning_content"}) {
      const json::value* text = fields->if_contains(name);
      if (text && text->is_string()) tokens += estimate_text_tokens(text->get_string());
    }
    if (const json::value* calls = fields->if_contains("tool_calls")) {
      tokens += estimate_text_tokens(json::serialize(*calls));
    }
  }
  return tokens;
}

std::uint64_t spread_seed(const std::string& request_id) {
  return std::hash<std::string>{}(request_id);
}

}  // namespace

net::awaitable<bool> handle_chat(RequestScope& scope, ClientDialect dialect) {
  ChatState state{scope, dialect, {}};
  UsageRecord& record = state.record;
  record.request_id = scope.request_id;
  record.time_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  record.route = dialect == ClientDialect::anthropic ? "messages" : "chat";
  record.key_name = scope.key ? scope.key->name : "";

  // One arena per request: the parsed body is freed in one go at the end.
  ChatRequest chat(json::make_shared_resource<json::monotonic_resource>());
  Error error;
  if (!parse_for_dialect(scope, dialect, chat, error)) {
    co_return co_await send_error(state, error);
  }
  record.requested_model = chat.model;
  record.stream = chat.stream;
  scope.access.model = chat.model;

  policies::PlanRequest plan_request;
  if (!make_plan_request(chat, plan_request, error)) {
    co_return co_await send_error(state, error);
  }
  const config::Snapshot& snapshot = *scope.snapshot;
  policies::EndpointTable& endpoints = scope.session.worker().gateway().endpoints();
  policies::RoutePlan plan = policies::plan_route(
      {snapshot, endpoints, scope.key, plan_request, Clock::now(), spread_seed(scope.request_id)});
  record.policy_decisions = plan.policy_decisions;
  record.denied_by = plan.denied_by;
  if (plan.failure != policies::PlanFailure::none) {
    co_return co_await send_error(state, plan_error(plan));
  }

  const auto& routing = snapshot.config().server.routing;
  std::unique_ptr<ClientStream> client_stream;
  if (chat.stream) {
    if (dialect == ClientDialect::anthropic) {
      client_stream = std::make_unique<AnthropicClientStream>();
    } else {
      client_stream = std::make_unique<OpenAiClientStream>(chat.include_usage);
    }
  }

  std::optional<AttemptResult> served;
  std::optional<providers::UpstreamError> last_failure;
  const config::EndpointRef* last_endpoint = nullptr;
  for (const config::EndpointRef* ref : plan.attempts) {
    policies::EndpointState* found_state = endpoints.find(*ref);
    if (found_state == nullptr) continue;  // removed by a reload since planning
    policies::EndpointState& endpoint_state = *found_state;
    auto now = Clock::now();
    // An open circuit past its cooldown lets exactly one probe through.
    if (endpoint_state.circuit(now) != policies::Circuit::closed &&
        !endpoint_state.try_take_probe(now)) {
      continue;
    }
    last_endpoint = ref;
    AttemptInput input{scope.session,
                       chat,
                       *ref,
                       scope.request_id,
                       scope.start,
                       client_stream.get(),
                       served_headers(scope, *ref, record.attempts.size() + 1)};
    endpoint_state.begin_request();
    AttemptResult attempt = co_await run_attempt(input);
    endpoint_state.end_request();
    record.upstream_wait_ms += attempt.upstream_wait_ms;
    record.attempts.push_back(attempt.record);

    if (attempt.success || attempt.committed || attempt.client_gone) {
      served.emplace(std::move(attempt));
      break;
    }
    // Learn from the failure, then decide whether another endpoint may help.
    const providers::UpstreamError& failure = attempt.failure;
    if (failure.kind == providers::FailureKind::rate_limited && failure.retry_after) {
      auto cooldown = std::min<Clock::duration>(*failure.retry_after, routing.retry_after_cap);
      endpoint_state.cool_down_until(now + cooldown);
    } else if (failure.kind != providers::FailureKind::client_error) {
      endpoint_state.record_failure(Clock::now(), routing.breaker_failures,
                                    routing.breaker_cooldown);
    }
    last_failure = failure;
    last_failure->message = redact(last_failure->message, *ref->provider);
    if (failure.kind == providers::FailureKind::client_error) break;  // the request is at fault
  }

  if (!served) {
    if (last_endpoint) fill_endpoint_facts(record, *last_endpoint);
    Error final_error;
    if (!last_failure) {
      final_error = make_error(ErrorCode::no_endpoint,
                               "every endpoint for this model is cooling down; retry later");
      final_error.retry_after_s = 1;
    } else {
      final_error = make_error(error_for_failure(*last_failure), last_failure->message);
      if (last_failure->kind == providers::FailureKind::client_error &&
          last_failure->status >= 400) {
        final_error.upstream_status = last_failure->status;
      }
      if (last_failure->retry_after) {
        final_error.retry_after_s = static_cast<int>(last_failure->retry_after->count());
      }
    }
    // Usage of a request no upstream answered: the prompt was not billed.
    co_return co_await send_error(state, final_error);
  }

  AttemptResult& attempt = *served;
  const config::EndpointRef& ref = *last_endpoint;
  fill_endpoint_facts(record, ref);
  scope.access.provider = ref.provider->name;
  scope.access.attempts = static_cast<int>(record.attempts.size());

  providers::Usage usage = attempt.codec->usage();
  if (!usage.reported) {
    // No usage from the upstream: estimate, and say so in the record.
    usage.prompt_tokens = chat.estimated_prompt_tokens;
    usage.completion_tokens = attempt.chunks_relayed;
    if (!chat.stream) usage.completion_tokens = estimate_completion_tokens(attempt.completion);
    record.usage_estimated = true;
  }
  Picousd cost = cost_for(usage, ref.endpoint->price);
  record.prompt_tokens = usage.prompt_tokens;
  record.completion_tokens = usage.completion_tokens;
  record.cached_prompt_tokens = usage.cached_prompt_tokens;
  record.cache_creation_tokens = usage.cache_creation_tokens;
  record.cost = cost;

  if (attempt.success && attempt.upstream_first_token_ms >= 0) {
    double generation_s =
        std::max(1e-3, (attempt.record.duration_ms - attempt.upstream_first_token_ms) / 1000.0);
    double tps = chat.stream && usage.completion_tokens > 1
                     ? static_cast<double>(usage.completion_tokens) / generation_s
                     : 0;
    if (policies::EndpointState* served_state = endpoints.find(ref)) {
      served_state->record_success(attempt.upstream_first_token_ms, tps);
    }
  }

  // 499 (nginx's "client closed request") when the client left before any
  // response byte; once the 200 header went out, that is the status.
  record.status = !chat.stream || attempt.committed ? 200 : 499;
  scope.access.status = record.status;
  if (!chat.stream) {
    json::object& completion = attempt.completion;
    completion["usage"] = usage_for_client(usage);
    std::string body = dialect == ClientDialect::anthropic
                           ? serialize_plain(providers::openai_response_to_anthropic(completion))
                           : serialize_with_usage_cost(completion, cost);
    providers::redact_secret(body, ref.provider->api_key);  // an upstream echoing its key
    auto response = json_response(200, std::move(body), true);
    for (auto& [name, value] : served_headers(scope, ref, record.attempts.size())) {
      response.set(name, value);
    }
    response.set("x-switchyard-cost-usd", format_usd(cost));
    // Recorded before the answer goes out (see finish_record); a failed
    // write after this shows in the access log, the upstream billed anyway.
    record.ttft_ms = ms_since(scope.start);
    finish_record(state);
    co_return co_await scope.session.write_response(response);
  }
  record.ttft_ms = attempt.ttft_ms;
  if (attempt.client_gone) {
    record.outcome = "client_disconnect";
    finish_record(state);
    co_return false;
  }
  std::string tail;
  if (attempt.success) {
    client_stream->on_finish(*attempt.codec, usage, cost, tail);
  } else {
    Error stream_failure = make_error(error_for_failure(attempt.failure),
                                      redact(attempt.failure.message, *ref.provider));
    client_stream->on_error(stream_failure, tail);
    record.outcome = "upstream_error";
  }
  bool tail_written = co_await scope.session.write_chunk(tail);
  if (!tail_written && attempt.success) record.outcome = "client_disconnect";
  // Durable before the terminating chunk, which is the client's "done".
  finish_record(state);
  co_return tail_written&& co_await scope.session.write_last_chunk();
}

net::awaitable<bool> handle_explain(RequestScope& scope) {
  // One arena per request: the parsed body is freed in one go at the end.
  ChatRequest chat(json::make_shared_resource<json::monotonic_resource>());
  Error error;
  auto reply = [&](int status, std::string body) -> net::awaitable<bool> {
    auto response = json_response(status, std::move(body), true);
    response.set("x-request-id", scope.request_id);
    scope.access.status = status;
    co_return co_await scope.session.write_response(response);
  };
  ParseError parse_error;
  if (!parse_chat_request(scope.request.body(), chat, parse_error)) {
    error = to_error(parse_error);
    co_return co_await reply(http_status(error), error_body(error));
  }
  policies::PlanRequest plan_request;
  if (!make_plan_request(chat, plan_request, error)) {
    co_return co_await reply(http_status(error), error_body(error));
  }
  policies::RoutePlan plan =
      policies::plan_route({*scope.snapshot, scope.session.worker().gateway().endpoints(),
                            scope.key, plan_request, Clock::now(), spread_seed(scope.request_id)});
  json::object out;
  out["object"] = "route.plan";
  out["model"] = chat.model;
  out["stream"] = chat.stream;
  out["estimated_prompt_tokens"] = chat.estimated_prompt_tokens;
  json::array attempts;
  for (std::size_t i = 0; i < plan.attempts.size(); ++i) {
    const config::EndpointRef& ref = *plan.attempts[i];
    attempts.push_back({{"rank", i + 1},
                        {"model", ref.model->id},
                        {"provider", ref.provider->name},
                        {"upstream_model", ref.endpoint->upstream_model},
                        {"estimated_cost_usd", format_usd(plan.estimated_costs[i])}});
  }
  out["attempts"] = std::move(attempts);
  json::array trace;
  for (const policies::TraceEntry& entry : plan.trace) {
    json::object item;
    item["endpoint"] = entry.endpoint ? entry.endpoint->key : "";
    item["model"] = entry.endpoint ? entry.endpoint->model->id : "";
    item["provider"] = entry.endpoint ? entry.endpoint->provider->name : "";
    item["kept"] = entry.kept;
    if (entry.rank >= 0) item["rank"] = entry.rank + 1;
    if (!entry.filter.empty()) item["removed_by"] = entry.filter;
    if (!entry.reason.empty()) item["reason"] = entry.reason;
    item["estimated_cost_usd"] = format_usd(entry.estimated_cost);
    item["stats"] = {{"samples", entry.stats.samples},
                     {"ttft_ewma_ms", entry.stats.ttft_ewma_ms},
                     {"ttft_p50_ms", entry.stats.ttft_p50_ms},
                     {"ttft_p90_ms", entry.stats.ttft_p90_ms},
                     {"tokens_per_second_p50", entry.stats.tps_p50},
                     {"tokens_per_second_p90", entry.stats.tps_p90}};
    trace.push_back(std::move(item));
  }
  out["trace"] = std::move(trace);
  out["policy_decisions"] = json::value_from(plan.policy_decisions);
  if (plan.failure != policies::PlanFailure::none) {
    Error failure = plan_error(plan);
    out["error"] = {{"message", failure.message},
                    {"code", error_code_name(failure.code)},
                    {"status", http_status(failure)}};
  }
  co_return co_await reply(200, serialize_plain(out));
}

}  // namespace switchyard
