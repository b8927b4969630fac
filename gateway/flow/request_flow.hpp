#pragma once
// One chat request, top to bottom: parse (in the client's dialect) -> admit
// -> plan -> attempts (fallback before the first byte reaches the client,
// never after) -> settle (answer, stream end or error, in the client's
// dialect). A record guard owns the usage record from the first line, so
// every exit writes exactly one.
#include <chrono>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "config/snapshot.hpp"
#include "gateway/accounting/access_log.hpp"
#include "gateway/flow/dialects/client_dialect.hpp"

namespace switchyard {

class Session;

// What the route hands the flow: the request, read and authenticated.
struct RequestScope {
  Session& session;
  const boost::beast::http::request<boost::beast::http::string_body>& request;
  config::SnapshotPtr snapshot;
  const config::Key* key = nullptr;
  std::string request_id;
  std::chrono::steady_clock::time_point start;
  AccessEntry& access;
};

// POST /v1/chat/completions, /v1/messages (and every later client API, by
// its dialect). Returns keep-alive.
boost::asio::awaitable<bool> handle_chat(RequestScope& scope, const ClientDialect& dialect);

}  // namespace switchyard
