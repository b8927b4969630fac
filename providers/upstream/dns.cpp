#include "providers/upstream/dns.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace switchyard::providers {

namespace {
constexpr auto kDnsTtl = std::chrono::seconds(30);
}

DnsCache::DnsCache(boost::asio::any_io_executor executor) : resolver_(executor) {}

boost::asio::awaitable<std::pair<boost::system::error_code, DnsCache::Results>> DnsCache::resolve(
    const std::string& host, std::uint16_t port) {
  const std::string key = host + ":" + std::to_string(port);
  auto now = std::chrono::steady_clock::now();
  if (auto cached = entries_.find(key); cached != entries_.end() && cached->second.expires > now) {
    co_return std::pair{boost::system::error_code{}, cached->second.results};
  }
  auto [ec, results] = co_await resolver_.async_resolve(
      host, std::to_string(port), boost::asio::as_tuple(boost::asio::use_awaitable));
  if (!ec) entries_[key] = Entry{results, now + kDnsTtl};
  co_return std::pair{ec, results};
}

}  // namespace switchyard::providers
