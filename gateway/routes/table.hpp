#pragma once
// The HTTP routes as one table: path, method, the listener that serves it,
// whether it needs a key, and its handler. dispatch() answers one request on
// a session and returns whether the connection may be kept alive afterwards.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "gateway/errors.hpp"

namespace switchyard {

class Session;

boost::asio::awaitable<bool> dispatch(
    Session& session, boost::beast::http::request<boost::beast::http::string_body>& request);

// Whether a request with this header would reach its handler (route, method,
// listener and key all fine): decides `100 Continue` before the body is read.
bool admits_before_body(
    Session& session, const boost::beast::http::request_header<boost::beast::http::fields>& header);

// The body limit of the route at this path: the chat routes carry images as
// base64 and get limits.max_chat_body_bytes; every other path the small one.
std::size_t body_limit_for(const config::Limits& limits, std::string_view path);

// An error body in the format of the route at this path (Anthropic's on
// /v1/messages, OpenAI's elsewhere).
std::string error_body_for_path(std::string_view path, const Error& error);

}  // namespace switchyard
