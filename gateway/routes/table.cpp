#include "gateway/routes/table.hpp"

#include <boost/asio.hpp>
#include <boost/beast/http.hpp>

#include "gateway/accounting/access_log.hpp"
#include "gateway/flow/chat_flow.hpp"
#include "gateway/errors.hpp"
#include "gateway/accounting/metrics.hpp"
#include "gateway/routes/models.hpp"
#include "gateway/http/server.hpp"
#include "gateway/http/session.hpp"
#include "gateway/accounting/share_stats.hpp"
#include "gateway/dashboard/dashboard.hpp"

namespace switchyard {

namespace net = boost::asio;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

namespace {

struct Route {
  std::string_view path;
  http::verb method;
};

constexpr Route kRoutes[] = {
    {"/v1/chat/completions", http::verb::post},
    {"/v1/messages", http::verb::post},
    {"/v1/route", http::verb::post},
    {"/v1/models", http::verb::get},
    {"/v1/stats/share", http::verb::get},
    {"/healthz", http::verb::get},
    {"/readyz", http::verb::get},
    {"/metrics", http::verb::get},
    {"/dashboard", http::verb::get},
};

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

std::string query_param(std::string_view target, std::string_view name) {
  auto question = target.find('?');
  if (question == std::string_view::npos) return {};
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

// The bearer token from Authorization, or Anthropic clients' x-api-key.
std::string_view presented_token(const http::request<http::string_body>& request) {
  std::string_view authorization = request[http::field::authorization];
  if (authorization.size() > 7 && boost::beast::iequals(authorization.substr(0, 7), "Bearer ")) {
    return authorization.substr(7);
  }
  return request["x-api-key"];
}

// Every key lookup costs the same whether the token is unknown, wrong or
// right: hash first, then compare against all keys in constant time.
bool authenticate(const config::Snapshot& snapshot, const http::request<http::string_body>& request,
                  const config::Key*& key) {
  std::string_view token = presented_token(request);
  key = token.empty() ? nullptr : snapshot.find_key(config::sha256(token));
  return key != nullptr || !snapshot.keys_required();
}

net::awaitable<bool> reply(Session& session, AccessEntry& access, int status, std::string body,
                           const std::string& request_id, std::string_view content_type = {}) {
  auto response = json_response(status, std::move(body), true);
  if (!content_type.empty()) response.set(http::field::content_type, content_type);
  response.set("x-request-id", request_id);
  access.status = status;
  co_return co_await session.write_response(response);
}

net::awaitable<bool> reply_error(Session& session, AccessEntry& access, const Error& error,
                                 const std::string& request_id, std::string_view allow = {}) {
  auto response = json_response(http_status(error), error_body(error), true);
  if (!allow.empty()) response.set(http::field::allow, allow);
  response.set("x-request-id", request_id);
  if (!should_retry(error)) response.set("x-should-retry", "false");
  if (error.code == ErrorCode::unauthorized) response.set(http::field::www_authenticate, "Bearer");
  access.status = http_status(error);
  co_return co_await session.write_response(response);
}

}  // namespace

net::awaitable<bool> dispatch(Session& session, http::request<http::string_body>& request) {
  Worker& worker = session.worker();
  Gateway& gateway = worker.gateway();
  auto start = Clock::now();
  config::SnapshotPtr snapshot = worker.snapshot();
  std::string request_id = gateway.next_request_id();
  std::string_view path = path_of(request.target());

  AccessEntry access;
  access.request_id = request_id;
  access.method = std::string(request.method_string());
  access.path = std::string(path);
  access.remote = session.remote_address();
  access.bytes_in = request.body().size();
  std::uint64_t bytes_before = session.bytes_written();
  bool keep_alive = request.keep_alive();

  const Route* route = nullptr;
  bool path_known = false;
  for (const Route& candidate : kRoutes) {
    if (candidate.path != path) continue;
    path_known = true;
    if (candidate.method == request.method() ||
        (candidate.method == http::verb::get && request.method() == http::verb::head)) {
      route = &candidate;
    }
  }

  // The explain route can be switched off; then it does not exist.
  if (path == "/v1/route" && !snapshot->config().server.expose_explain) {
    route = nullptr;
    path_known = false;
  }

  bool ok = true;
  if (route == nullptr) {
    Error error = path_known ? make_error(ErrorCode::method_not_allowed,
                                          std::string(request.method_string()) +
                                              " is not allowed on " + std::string(path))
                             : make_error(ErrorCode::route_not_found,
                                          "no route for " + std::string(request.method_string()) +
                                              " " + std::string(path));
    std::string allow;
    for (const Route& candidate : kRoutes) {
      if (candidate.path == path) allow = std::string(http::to_string(candidate.method));
    }
    ok = co_await reply_error(session, access, error, request_id, allow);
  } else if (path == "/healthz") {
    ok = co_await reply(session, access, 200, R"({"status":"ok"})", request_id);
  } else if (path == "/readyz") {
    std::size_t usable = usable_endpoint_count(*snapshot, gateway.endpoints(), Clock::now());
    std::string body = R"({"status":")" + std::string(usable > 0 ? "ready" : "not_ready") +
                       R"(","usable_endpoints":)" + std::to_string(usable) + "}";
    ok = co_await reply(session, access, usable > 0 ? 200 : 503, std::move(body), request_id);
  } else if (path == "/metrics") {
    ok = co_await reply(session, access, 200, gateway.accounting().metrics().render(), request_id,
                        "text/plain; version=0.0.4; charset=utf-8");
  } else if (path == "/v1/models") {
    ok = co_await reply(session, access, 200,
                        render_models(*snapshot, gateway.endpoints(), Clock::now()), request_id);
  } else if (path == "/dashboard") {
    ok = co_await reply(session, access, 200, dashboard_html(), request_id,
                        "text/html; charset=utf-8");
  } else {
    // Everything below needs a key when keys are required.
    const config::Key* key = nullptr;
    if (!authenticate(*snapshot, request, key)) {
      Error error = make_error(ErrorCode::unauthorized, "missing or invalid API key");
      ok = co_await reply_error(session, access, error, request_id);
    } else if (path == "/v1/stats/share") {
      std::string body;
      std::string message;
      std::string target(request.target());
      std::string by = query_param(target, "by");
      std::string metric = query_param(target, "metric");
      if (gateway.accounting().share().render(by.empty() ? "origin" : by,
                                              metric.empty() ? "tokens" : metric, body, message)) {
        ok = co_await reply(session, access, 200, std::move(body), request_id);
      } else {
        ok = co_await reply_error(session, access, make_error(ErrorCode::invalid_request, message),
                                  request_id);
      }
    } else {
      access.key_name = key ? key->name : "";
      RequestScope scope{session, request, snapshot, key, request_id, start, access};
      if (path == "/v1/route") {
        ok = co_await handle_explain(scope);
      } else {
        ok = co_await handle_chat(
            scope, path == "/v1/messages" ? ClientDialect::anthropic : ClientDialect::openai);
      }
    }
  }
  access.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  access.bytes_out = session.bytes_written() - bytes_before;
  Log::access(access);
  co_return ok&& keep_alive;
}

}  // namespace switchyard
