#include "gateway/routes/table.hpp"

#include <boost/asio.hpp>
#include <boost/beast/http.hpp>

#include "gateway/accounting/access_log.hpp"
#include "gateway/accounting/accounting.hpp"
#include "gateway/accounting/endpoint_state_metrics.hpp"
#include "gateway/accounting/metrics.hpp"
#include "gateway/accounting/share_stats.hpp"
#include "gateway/accounting/usage_record.hpp"
#include "gateway/dashboard/dashboard.hpp"
#include "gateway/errors.hpp"
#include "gateway/flow/dialects/client_dialect.hpp"
#include "gateway/flow/explain.hpp"
#include "gateway/flow/request_flow.hpp"
#include "gateway/http/request_target.hpp"
#include "gateway/http/server.hpp"
#include "gateway/http/session.hpp"
#include "gateway/routes/models.hpp"

namespace switchyard {

namespace net = boost::asio;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;
using Header = http::request_header<http::fields>;

namespace {

// Which listener serves a route when an admin listener is configured (without
// one, the public listener serves every route).
enum class Exposure { public_api, admin, both };
// Whether a key is needed when keys are required. Routes that reveal traffic
// or configuration need one too, unless listed in server.open_paths.
enum class Auth { none, key };

using Handler = net::awaitable<bool> (*)(RequestScope&);

struct Route {
  std::string_view path;
  http::verb method;  // a GET route also answers HEAD
  Exposure exposure;
  Auth auth;
  Handler handler;
};

net::awaitable<bool> reply(RequestScope& scope, int status, std::string body,
                           std::string_view content_type = {}) {
  auto response = json_response(status, std::move(body), true);
  if (!content_type.empty()) response.set(http::field::content_type, content_type);
  response.set("x-request-id", scope.request_id);
  scope.access.status = status;
  co_return co_await scope.session.write_response(response);
}

net::awaitable<bool> reply_error(RequestScope& scope, const Error& error,
                                 std::string_view allow = {}) {
  auto response = json_response(http_status(error), error_body(error), true);
  if (!allow.empty()) response.set(http::field::allow, allow);
  response.set("x-request-id", scope.request_id);
  if (!should_retry(error)) response.set("x-should-retry", "false");
  if (error.code == ErrorCode::unauthorized) response.set(http::field::www_authenticate, "Bearer");
  if (error.retry_after_s)
    response.set(http::field::retry_after, std::to_string(*error.retry_after_s));
  scope.access.status = http_status(error);
  co_return co_await scope.session.write_response(response);
}

net::awaitable<bool> serve_health(RequestScope& scope) {
  co_return co_await reply(scope, 200, R"({"status":"ok"})");
}

net::awaitable<bool> serve_ready(RequestScope& scope) {
  Readiness ready =
      render_readiness(*scope.snapshot, scope.session.worker().gateway().endpoints(), Clock::now());
  co_return co_await reply(scope, ready.status, std::move(ready.body));
}

net::awaitable<bool> serve_metrics(RequestScope& scope) {
  Gateway& gateway = scope.session.worker().gateway();
  std::string text = gateway.accounting().metrics().render();
  text += render_endpoint_states(*scope.snapshot, gateway.endpoints(), Clock::now());
  co_return co_await reply(scope, 200, std::move(text), "text/plain; version=0.0.4; charset=utf-8");
}

net::awaitable<bool> serve_models(RequestScope& scope) {
  ModelsQuery query;
  query.all = query_param(scope.request.target(), "all") == "true";
  query.anthropic = scope.request.find("anthropic-version") != scope.request.end();
  co_return co_await reply(
      scope, 200,
      render_models(*scope.snapshot, scope.session.worker().gateway().endpoints(), Clock::now(),
                    query));
}

net::awaitable<bool> serve_dashboard(RequestScope& scope) {
  co_return co_await reply(scope, 200, dashboard_html(), "text/html; charset=utf-8");
}

net::awaitable<bool> serve_share(RequestScope& scope) {
  std::string body;
  std::string message;
  std::string_view target = scope.request.target();
  std::string by = query_param(target, "by");
  std::string metric = query_param(target, "metric");
  if (scope.session.worker().gateway().accounting().share().render(
          by.empty() ? "origin" : by, metric.empty() ? "tokens" : metric, body, message)) {
    co_return co_await reply(scope, 200, std::move(body));
  }
  Error error = make_error(ErrorCode::invalid_request, message);
  co_return co_await reply_error(scope, error);
}

net::awaitable<bool> serve_chat(RequestScope& scope) {
  co_return co_await handle_chat(scope, openai_chat_dialect());
}
net::awaitable<bool> serve_messages(RequestScope& scope) {
  co_return co_await handle_chat(scope, anthropic_messages_dialect());
}
net::awaitable<bool> serve_explain(RequestScope& scope) {
  co_return co_await handle_explain(scope);
}

constexpr Route kRoutes[] = {
    {"/v1/chat/completions", http::verb::post, Exposure::public_api, Auth::key, serve_chat},
    {"/v1/messages", http::verb::post, Exposure::public_api, Auth::key, serve_messages},
    {"/v1/route", http::verb::post, Exposure::public_api, Auth::key, serve_explain},
    {"/v1/models", http::verb::get, Exposure::public_api, Auth::key, serve_models},
    {"/v1/stats/share", http::verb::get, Exposure::admin, Auth::key, serve_share},
    {"/healthz", http::verb::get, Exposure::both, Auth::none, serve_health},
    {"/readyz", http::verb::get, Exposure::admin, Auth::key, serve_ready},
    {"/metrics", http::verb::get, Exposure::admin, Auth::key, serve_metrics},
    {"/dashboard", http::verb::get, Exposure::admin, Auth::key, serve_dashboard},
};

bool served_here(const Route& route, const config::Snapshot& snapshot, ListenerRole role) {
  // The explain route can be switched off; then it does not exist.
  if (route.handler == serve_explain && !snapshot.config().server.expose_explain) return false;
  if (!snapshot.config().server.admin_host) return role == ListenerRole::public_api;
  if (route.exposure == Exposure::both) return true;
  return (route.exposure == Exposure::admin) == (role == ListenerRole::admin);
}

bool method_matches(const Route& route, http::verb method) {
  return route.method == method || (route.method == http::verb::get && method == http::verb::head);
}

// RFC 9110's methods (and PATCH): any other token is one we do not implement.
bool known_method(http::verb method) {
  switch (method) {
    case http::verb::get:
    case http::verb::head:
    case http::verb::post:
    case http::verb::put:
    case http::verb::delete_:
    case http::verb::connect:
    case http::verb::options:
    case http::verb::trace:
    case http::verb::patch:
      return true;
    default:
      return false;
  }
}

// A hint for a client pointed at the bare host (base_url without /v1): the
// route it meant, or where the API lives.
std::string where_the_api_is(std::string_view path) {
  if (path.starts_with("/v1/") || path == "/v1") return "; see /v1/models for the models";
  std::string with_prefix = "/v1" + std::string(path == "/" ? "" : path);
  for (const Route& route : kRoutes) {
    if (route.path == with_prefix)
      return "; did you mean " + with_prefix + "? The API is under /v1";
  }
  return "; the API is under /v1, see /v1/models";
}

struct Lookup {
  const Route* route = nullptr;
  std::optional<Error> error;
  std::string allow;  // for 405
};

Lookup find_route(const config::Snapshot& snapshot, ListenerRole role, const Header& header) {
  std::string_view path = target_path(header.target());
  Lookup lookup;
  bool path_known = false;
  for (const Route& route : kRoutes) {
    if (route.path != path || !served_here(route, snapshot, role)) continue;
    path_known = true;
    lookup.allow =
        route.method == http::verb::get ? "GET, HEAD" : std::string(http::to_string(route.method));
    if (method_matches(route, header.method())) lookup.route = &route;
  }
  std::string method(header.method_string());
  if (lookup.route) return lookup;
  if (path_known) {
    lookup.error = make_error(ErrorCode::method_not_allowed,
                              method + " is not allowed on " + std::string(path));
  } else if (!known_method(header.method())) {
    lookup.error =
        make_error(ErrorCode::not_implemented, "method " + method + " is not implemented");
  } else {
    lookup.error =
        make_error(ErrorCode::route_not_found,
                   "no route for " + method + " " + std::string(path) + where_the_api_is(path));
  }
  return lookup;
}

// The bearer token from Authorization, or Anthropic clients' x-api-key.
std::string_view presented_token(const Header& header) {
  std::string_view authorization = header[http::field::authorization];
  if (authorization.size() > 7 && boost::beast::iequals(authorization.substr(0, 7), "Bearer ")) {
    return authorization.substr(7);
  }
  return header["x-api-key"];
}

// Every key lookup costs the same whether the token is unknown, wrong or
// right: hash first, then compare against all keys in constant time.
bool authenticate(const config::Snapshot& snapshot, const Route& route, const Header& header,
                  const config::Key*& key) {
  std::string_view token = presented_token(header);
  key = token.empty() ? nullptr : snapshot.find_key(config::sha256(token));
  if (key != nullptr || route.auth == Auth::none || !snapshot.keys_required()) return true;
  const auto& open = snapshot.config().server.open_paths;
  return std::find(open.begin(), open.end(), route.path) != open.end();
}

std::string request_id_for(Gateway& gateway, const Header& header) {
  std::string id = sanitized_request_id(header["x-request-id"]);
  return id.empty() ? gateway.next_request_id() : id;
}

// A rejected key leaves a usage record and a request count with outcome
// unauthorized: attempts to use the gateway without a valid key are visible
// on /metrics and in the usage log. Nothing of the request goes in (not the
// token, not the body), so one record is small and fixed in size.
void record_unauthorized(const RequestScope& scope, const Route& route) {
  UsageRecord record;
  record.request_id = scope.request_id;
  record.time_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  if (route.handler == serve_chat) {
    record.route = "chat";
  } else if (route.handler == serve_messages) {
    record.route = "messages";
  } else {
    record.route = std::string(route.path);
  }
  record.outcome = "unauthorized";
  record.status = 401;
  record.duration_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - scope.start).count();
  scope.session.worker().gateway().accounting().record(record);
}

net::awaitable<bool> run_route(RequestScope& scope, const Route& route) {
  KeyConcurrency::Slot slot;
  if (scope.key &&
      !scope.session.worker().gateway().key_concurrency().try_acquire(*scope.key, slot)) {
    Error error = make_error(ErrorCode::key_concurrency,
                             "too many concurrent requests for this key; retry later");
    error.retry_after_s = 1;
    co_return co_await reply_error(scope, error);
  }
  co_return co_await route.handler(scope);
}

}  // namespace

std::size_t body_limit_for(const config::Limits& limits, std::string_view path) {
  bool chat = path == "/v1/chat/completions" || path == "/v1/messages";
  return chat ? limits.max_chat_body_bytes : limits.max_body_bytes;
}

std::string error_body_for_path(std::string_view path, const Error& error) {
  if (path == "/v1/messages") return anthropic_messages_dialect().error_body(error);
  return error_body(error);
}

bool admits_before_body(Session& session, const Header& header) {
  config::SnapshotPtr snapshot = session.worker().snapshot();
  Lookup lookup = find_route(*snapshot, session.role(), header);
  const config::Key* key = nullptr;
  return lookup.route && authenticate(*snapshot, *lookup.route, header, key);
}

net::awaitable<bool> dispatch(Session& session, http::request<http::string_body>& request) {
  Gateway& gateway = session.worker().gateway();
  AccessEntry access;
  RequestScope scope{
      session,      request, session.worker().snapshot(), nullptr, request_id_for(gateway, request),
      Clock::now(), access};
  access.request_id = scope.request_id;
  access.method = std::string(request.method_string());
  access.path = std::string(target_path(request.target()));
  access.remote = session.remote_address();
  access.bytes_in = request.body().size();
  std::uint64_t bytes_before = session.bytes_written();
  bool keep_alive = request.keep_alive();

  Lookup lookup = find_route(*scope.snapshot, session.role(), request);
  bool ok = true;
  if (!lookup.route) {
    // Named, not a conditional temporary inside co_await: g++ 12 destroys
    // such temporaries twice.
    std::string allow = lookup.error->code == ErrorCode::method_not_allowed ? lookup.allow : "";
    ok = co_await reply_error(scope, *lookup.error, allow);
  } else if (!authenticate(*scope.snapshot, *lookup.route, request, scope.key)) {
    Error error = make_error(ErrorCode::unauthorized, "missing or invalid API key");
    ok = co_await reply_error(scope, error);
    record_unauthorized(scope, *lookup.route);
  } else {
    access.key_name = scope.key ? scope.key->name : "";
    ok = co_await run_route(scope, *lookup.route);
  }
  access.duration_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - scope.start).count();
  access.bytes_out = session.bytes_written() - bytes_before;
  Log::access(access);
  co_return ok&& keep_alive;
}

}  // namespace switchyard
