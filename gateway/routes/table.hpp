#pragma once
// The HTTP routes as one table: path, method, the listener that serves it,
// whether it needs a key, and its handler. dispatch() answers one request on
// a session and returns whether the connection may be kept alive afterwards.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace switchyard {

class Session;

boost::asio::awaitable<bool> dispatch(
    Session& session, boost::beast::http::request<boost::beast::http::string_body>& request);

// Whether a request with this header would reach its handler (route, method,
// listener and key all fine): decides `100 Continue` before the body is read.
bool admits_before_body(
    Session& session, const boost::beast::http::request_header<boost::beast::http::fields>& header);

}  // namespace switchyard
