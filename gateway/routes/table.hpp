#pragma once
// The HTTP routes. dispatch() answers one request on a session and returns
// whether the connection may be kept alive afterwards.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace switchyard {

class Session;

boost::asio::awaitable<bool> dispatch(
    Session& session, boost::beast::http::request<boost::beast::http::string_body>& request);

}  // namespace switchyard
