#pragma once
// The bytes of one upstream request, written by hand: cheaper than a Beast
// serializer per request, and the only request shape we ever send.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"

namespace switchyard::providers {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// The Host header for an upstream URL: the port only when not the default.
std::string host_header(const config::Url& url);

// "POST /v1/chat/completions HTTP/1.1\r\nHost: ...\r\n...\r\n\r\n<body>" with
// Content-Length. Header names and values come from config and codecs, never
// from a client, so they hold no CR or LF.
std::string serialize_request(std::string_view method, std::string_view target,
                              const config::Url& url, const HeaderList& headers,
                              std::string_view body);

}  // namespace switchyard::providers
