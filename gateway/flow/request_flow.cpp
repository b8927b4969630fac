#include "gateway/flow/request_flow.hpp"

#include <algorithm>
#include <optional>

#include <boost/asio.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "gateway/accounting/request_tags.hpp"
#include "gateway/flow/attempt.hpp"
#include "gateway/flow/flow_support.hpp"
#include "gateway/flow/interrupts.hpp"
#include "gateway/flow/planning.hpp"
#include "gateway/flow/record_guard.hpp"
#include "gateway/flow/usage_json.hpp"
#include "gateway/http/server.hpp"
#include "gateway/http/session.hpp"
#include "policies/retry_budget.hpp"
#include "providers/redact_secret.hpp"

namespace switchyard {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

UsageRecord opening_record(const RequestScope& scope, const ClientDialect& dialect) {
  UsageRecord record;
  record.request_id = scope.request_id;
  record.time_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  record.route = dialect.route();
  record.key_name = scope.key ? scope.key->name : "";
  return record;
}

RecordSink accounting_sink(Session& session) {
  Accounting& accounting = session.worker().gateway().accounting();
  return [&accounting](const UsageRecord& record) { accounting.record(record); };
}

// One attempt on its own coroutine thread, bound to the interrupt watch's
// cancellation slot. Cancelled, its operations fail with operation_aborted
// instead of throwing, so it closes its upstream connection and returns like
// any failed attempt.
net::awaitable<void> attempt_into(AttemptInput& input, std::optional<AttemptResult>& out) {
  co_await net::this_coro::throw_if_cancelled(false);
  out.emplace(co_await run_attempt(input));
}

class RequestFlow {
 public:
  RequestFlow(RequestScope& scope, const ClientDialect& dialect)
      : scope_(scope),
        dialect_(dialect),
        guard_(accounting_sink(scope.session), opening_record(scope, dialect), scope.start),
        // One arena per request: the parsed body is freed in one go at the end.
        chat_(json::make_shared_resource<json::monotonic_resource>()) {}

  net::awaitable<bool> run() {
    Error error;
    if (!parse(error)) co_return co_await reply_error(error);
    admit();
    if (!plan(error)) co_return co_await reply_error(error);
    co_await attempts();
    co_return co_await settle();
  }

 private:
  UsageRecord& record() { return guard_.record(); }
  const config::Routing& routing() const { return scope_.snapshot->config().server.routing; }
  policies::RetryBudget& retry_budget() { return scope_.session.worker().gateway().retry_budget(); }

  bool parse(Error& error) {
    if (!dialect_.parse(scope_.request.body(), chat_, error)) return false;
    record().requested_model = chat_.model;
    record_request_tags(chat_, record());
    record().stream = chat_.stream;
    scope_.access.model = chat_.model;
    return true;
  }

  // Counted as active from here: the retry budget is a share of these.
  void admit() { active_.emplace(retry_budget()); }

  policies::EndpointTable& endpoints() { return scope_.session.worker().gateway().endpoints(); }

  bool plan(Error& error) {
    if (!plan_for(*scope_.snapshot, endpoints(), scope_.key, chat_, scope_.request_id, plan_,
                  error)) {
      return false;
    }
    record().policy_decisions = plan_.policy_decisions;
    record().denied_by = plan_.denied_by;
    if (plan_.failure == policies::PlanFailure::none) return true;
    error = plan_error(plan_);
    return false;
  }

  net::awaitable<void> attempts();
  net::awaitable<AttemptResult> attempt(const config::EndpointRef& ref,
                                        policies::EndpointState& state);
  void learn_from_failure(const config::EndpointRef& ref, policies::EndpointState& state,
                          const providers::UpstreamError& failure);
  net::awaitable<bool> settle();
  void account_usage(const AttemptResult& served, const config::EndpointRef& ref);
  net::awaitable<bool> settle_answer(AttemptResult& served, const config::EndpointRef& ref);
  net::awaitable<bool> settle_stream(AttemptResult& served, const config::EndpointRef& ref);
  net::awaitable<bool> settle_shutdown();
  net::awaitable<bool> reply_error(const Error& error);

  RequestScope& scope_;
  const ClientDialect& dialect_;
  RecordGuard guard_;
  ChatRequest chat_;
  std::optional<policies::RetryBudget::Active> active_;
  policies::RoutePlan plan_;
  std::unique_ptr<ClientStream> stream_;  // streams only
  std::optional<AttemptResult> served_;   // the attempt that answered, or the last one
  std::optional<providers::UpstreamError> last_failure_;
  const config::EndpointRef* last_endpoint_ = nullptr;
  Picousd cost_ = 0;
  providers::Usage usage_;
  Interrupt interrupt_ = Interrupt::none;
};

// Walks the plan: the next endpoint is tried only while nothing reached the
// client, the failure was not the request's own fault, the attempt cannot
// have been billed (or the operator allows that), and the retry budget has
// room.
net::awaitable<void> RequestFlow::attempts() {
  if (chat_.stream) stream_ = dialect_.open_stream(chat_);
  for (const config::EndpointRef* ref : plan_.attempts) {
    if (scope_.session.worker().cancelling()) {
      interrupt_ = Interrupt::shutdown;
      break;
    }
    policies::EndpointState* state = endpoints().find(*ref);
    if (state == nullptr) continue;  // removed by a reload since planning
    auto now = Clock::now();
    // An open circuit past its cooldown lets exactly one probe through.
    if (state->circuit(now) != policies::Circuit::closed && !state->try_take_probe(now)) continue;
    policies::RetryBudget::Retry retry;
    if (!record().attempts.empty()) {
      retry = retry_budget().try_retry(routing().retry_budget, routing().retry_budget_min);
      if (!retry) break;  // answer with the last error rather than add load
    }
    last_endpoint_ = ref;
    AttemptResult result = co_await attempt(*ref, *state);
    record().upstream_wait_ms += result.upstream_wait_ms;
    record().attempts.push_back(result.record);
    bool final =
        interrupt_ != Interrupt::none || result.success || result.committed || result.client_gone;
    if (final) {
      served_.emplace(std::move(result));
      break;
    }
    learn_from_failure(*ref, *state, result.failure);
    if (!may_fall_back(result.record, result.failure, routing().retry_possibly_billed)) break;
  }
}

net::awaitable<AttemptResult> RequestFlow::attempt(const config::EndpointRef& ref,
                                                   policies::EndpointState& state) {
  AttemptInput input{scope_.session,
                     chat_,
                     ref,
                     scope_.request_id,
                     scope_.start,
                     stream_.get(),
                     ref.provider->timeouts.response.value_or(routing().response_timeout),
                     served_headers(scope_.request_id, ref, record().attempts.size() + 1)};
  std::optional<AttemptResult> result;
  state.begin_request();
  {
    // attempts() checked worker().cancelling() with no suspension since, so
    // the watch is tracked before any shutdown can be missed.
    InterruptWatch watch(scope_.session, !chat_.stream);
    co_await net::co_spawn(co_await net::this_coro::executor, attempt_into(input, result),
                           net::bind_cancellation_slot(watch.slot(), net::use_awaitable));
    interrupt_ = watch.interrupt();
  }
  state.end_request();
  co_return std::move(*result);
}

void RequestFlow::learn_from_failure(const config::EndpointRef& ref, policies::EndpointState& state,
                                     const providers::UpstreamError& failure) {
  if (failure.kind == providers::FailureKind::rate_limited && failure.retry_after) {
    auto cooldown = std::min<Clock::duration>(*failure.retry_after, routing().retry_after_cap);
    state.cool_down_until(Clock::now() + cooldown);
  } else if ((failure.kind != providers::FailureKind::client_error ||
              operator_side_refusal(failure)) &&
             failure.kind != providers::FailureKind::overloaded) {
    // (Our own connection cap is no fault of the endpoint's; a refused key
    // or a model the server lacks is, and will not fix itself per request.)
    state.record_failure(Clock::now(), routing().breaker_failures, routing().breaker_cooldown);
  }
  last_failure_ = failure;
  if (operator_side_refusal(failure)) {
    last_failure_->message = "provider '" + ref.provider->name + "' refused the request (HTTP " +
                             std::to_string(failure.status) + "): " + failure.message;
  }
  last_failure_->message = redact(last_failure_->message, *ref.provider);
}

net::awaitable<bool> RequestFlow::settle() {
  if (last_endpoint_) fill_endpoint_facts(record(), *last_endpoint_);
  if (interrupt_ == Interrupt::client_left) {
    // Nobody is listening: the attempt was cancelled, nothing more to send.
    guard_.settle(Outcome::client_disconnect, outcome_info(Outcome::client_disconnect).status);
    co_return false;
  }
  if (interrupt_ == Interrupt::shutdown) co_return co_await settle_shutdown();
  // Usage of a request no upstream answered: the prompt was not billed.
  if (!served_)
    co_return co_await reply_error(final_error(last_failure_ ? &*last_failure_ : nullptr));
  const config::EndpointRef& ref = *last_endpoint_;
  scope_.access.provider = ref.provider->name;
  scope_.access.attempts = static_cast<int>(record().attempts.size());
  account_usage(*served_, ref);
  if (!chat_.stream) co_return co_await settle_answer(*served_, ref);
  co_return co_await settle_stream(*served_, ref);
}

// Tokens and cost into the record (estimated when the upstream said
// nothing), and a successful answer into the endpoint's statistics.
void RequestFlow::account_usage(const AttemptResult& served, const config::EndpointRef& ref) {
  usage_ = served.usage;
  if (!usage_.reported) {
    usage_.prompt_tokens = chat_.estimated_prompt_tokens;
    usage_.completion_tokens =
        chat_.stream ? served.chunks_relayed : estimate_completion_tokens(served.completion);
    record().usage_estimated = true;
  }
  cost_ = cost_for(usage_, ref.endpoint->price);
  record().prompt_tokens = usage_.prompt_tokens;
  record().completion_tokens = usage_.completion_tokens;
  record().cached_prompt_tokens = usage_.cached_prompt_tokens;
  record().cache_creation_tokens = usage_.cache_creation_tokens;
  record().cost = cost_;
  if (served.success && served.upstream_first_token_ms >= 0) {
    double generation_s =
        std::max(1e-3, (served.record.duration_ms - served.upstream_first_token_ms) / 1000.0);
    double tps = chat_.stream && usage_.completion_tokens > 1
                     ? static_cast<double>(usage_.completion_tokens) / generation_s
                     : 0;
    if (policies::EndpointState* state = endpoints().find(ref)) {
      state->record_success(served.upstream_first_token_ms, tps);
    }
  }
}

net::awaitable<bool> RequestFlow::settle_answer(AttemptResult& served,
                                                const config::EndpointRef& ref) {
  served.completion["usage"] = usage_for_client(usage_);
  std::string body = dialect_.answer(served.completion, cost_);
  providers::redact_secret(body, ref.provider->api_key);  // an upstream echoing its key
  auto response = json_response(200, std::move(body), true);
  for (auto& [name, value] : served_headers(scope_.request_id, ref, record().attempts.size())) {
    response.set(name, value);
  }
  response.set("x-switchyard-cost-usd", format_usd(cost_));
  record().ttft_ms = ms_since(scope_.start);
  scope_.access.status = 200;
  // The usage record is written before the client's last byte: with fsync
  // "always", a client holding the whole answer knows its line is durable.
  // A failed write after this shows in the access log; the upstream billed.
  guard_.settle(Outcome::ok, 200);
  guard_.write();
  co_return co_await scope_.session.write_response(response);
}

net::awaitable<bool> RequestFlow::settle_stream(AttemptResult& served,
                                                const config::EndpointRef& ref) {
  record().ttft_ms = served.ttft_ms;
  // 499 when the client left before any response byte; once the 200 head
  // went out, that is the status.
  int status = served.committed ? 200 : outcome_info(Outcome::client_disconnect).status;
  scope_.access.status = status;
  if (served.committed) guard_.response_started();
  if (served.client_gone) {
    guard_.settle(Outcome::client_disconnect, status);
    co_return false;
  }
  std::string tail;
  Outcome outcome = Outcome::ok;
  if (served.success) {
    stream_->on_finish(served.stream, usage_, cost_, tail);
  } else if (served.truncated) {
    outcome = Outcome::truncated;
    stream_->on_error(outcome_error(outcome, redact(served.failure.message, *ref.provider)), tail);
  } else {
    outcome = Outcome::upstream_error;
    stream_->on_error(make_error(error_for_failure(served.failure),
                                 redact(served.failure.message, *ref.provider)),
                      tail);
  }
  guard_.settle(outcome, status);
  bool tail_written = co_await scope_.session.write_chunk(tail);
  if (!tail_written && served.success) guard_.settle(Outcome::client_disconnect, status);
  // Durable before the terminating chunk, which is the client's "done".
  guard_.write();
  co_return tail_written&& co_await scope_.session.write_last_chunk();
}

// Cancelled at the end of the grace period: a stream under way gets the
// in-band error (no end-of-stream marker), anything else a 503.
net::awaitable<bool> RequestFlow::settle_shutdown() {
  Error error = outcome_error(Outcome::shutdown, "the gateway is shutting down; retry the request");
  if (!served_ || !served_->committed) co_return co_await reply_error(error);
  account_usage(*served_, *last_endpoint_);
  record().ttft_ms = served_->ttft_ms;
  scope_.access.status = 200;
  guard_.settle(Outcome::shutdown, 200);
  std::string tail;
  stream_->on_error(error, tail);
  bool tail_written = co_await scope_.session.write_chunk(tail);
  guard_.write();
  if (tail_written) co_await scope_.session.write_last_chunk();
  co_return false;  // the connection closes: the process is stopping
}

net::awaitable<bool> RequestFlow::reply_error(const Error& error) {
  if (last_endpoint_) fill_endpoint_facts(record(), *last_endpoint_);
  int status = http_status(error);
  // A client retrying after a possibly billed attempt would pay for the
  // generation again: the OpenAI and Anthropic clients honour this header.
  bool billed = std::ranges::any_of(record().attempts,
                                    [](const AttemptRecord& a) { return a.may_have_billed; });
  Error told = error;
  if (billed) told.retryable = false;
  auto response = json_response(status, dialect_.error_body(told), true);
  response.set("x-request-id", scope_.request_id);
  if (last_endpoint_) response.set("x-switchyard-provider", last_endpoint_->provider->name);
  if (!should_retry(told)) response.set("x-should-retry", "false");
  if (error.retry_after_s) {
    response.set(http::field::retry_after, std::to_string(*error.retry_after_s));
  }
  scope_.access.status = status;
  guard_.settle(outcome_of(error.code), status);
  guard_.write();
  co_return co_await scope_.session.write_response(response);
}

}  // namespace

net::awaitable<bool> handle_chat(RequestScope& scope, const ClientDialect& dialect) {
  RequestFlow flow(scope, dialect);
  co_return co_await flow.run();
}

}  // namespace switchyard
