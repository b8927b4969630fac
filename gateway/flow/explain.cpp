#include "gateway/flow/explain.hpp"

#include <boost/asio.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "gateway/flow/plan_request_from_chat.hpp"
#include "gateway/flow/planning.hpp"
#include "gateway/http/server.hpp"
#include "gateway/http/session.hpp"
#include "providers/canonical/plain_json.hpp"

namespace switchyard {

namespace json = boost::json;

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
  policies::RoutePlan plan;
  if (!plan_for(*scope.snapshot, scope.session.worker().gateway().endpoints(), scope.key, chat,
                scope.request_id, plan, error)) {
    co_return co_await reply(http_status(error), error_body(error));
  }
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
