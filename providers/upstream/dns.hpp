#pragma once
// A per-worker DNS cache: one lookup per host and port every 30 s, so a
// connection storm does not become a resolver storm.
#include <chrono>
#include <string>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace switchyard::providers {

class DnsCache {
 public:
  using Results = boost::asio::ip::tcp::resolver::results_type;

  explicit DnsCache(boost::asio::any_io_executor executor);

  // The addresses of host:port, cached or freshly resolved; error on failure.
  boost::asio::awaitable<std::pair<boost::system::error_code, Results>> resolve(
      const std::string& host, std::uint16_t port);

 private:
  struct Entry {
    Results results;
    std::chrono::steady_clock::time_point expires;
  };
  boost::asio::ip::tcp::resolver resolver_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace switchyard::providers
