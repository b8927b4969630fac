#pragma once
// The chat request flow: parse, plan, walk the plan's attempts (fallback
// before the first byte reaches the client, never after), relay the answer in
// the client's dialect, and hand exactly one UsageRecord to accounting.
#include <chrono>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "config/snapshot.hpp"
#include "gateway/accounting/access_log.hpp"
#include "gateway/accounting/usage_record.hpp"

namespace switchyard {

class Session;

enum class ClientDialect { openai, anthropic };

struct RequestScope {
  Session& session;
  const boost::beast::http::request<boost::beast::http::string_body>& request;
  config::SnapshotPtr snapshot;
  const config::Key* key = nullptr;
  std::string request_id;
  std::chrono::steady_clock::time_point start;
  AccessEntry& access;
};

// POST /v1/chat/completions and POST /v1/messages. Returns keep-alive.
boost::asio::awaitable<bool> handle_chat(RequestScope& scope, ClientDialect dialect);

// POST /v1/route: the plan and full trace, contacting no upstream.
boost::asio::awaitable<bool> handle_explain(RequestScope& scope);

}  // namespace switchyard
