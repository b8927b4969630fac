#include "providers/upstream/health_probe.hpp"

#include <boost/asio.hpp>
#include <boost/beast/http.hpp>

#include "providers/upstream/pool.hpp"

namespace switchyard::providers {

HealthChecker::HealthChecker(net::io_context& io, SnapshotSource source, Observer observer)
    : io_(io),
      source_(std::move(source)),
      observer_(std::move(observer)),
      pool_(io.get_executor()) {}

void HealthChecker::start() {
  net::co_spawn(io_, loop(), net::detached);
}

net::awaitable<void> HealthChecker::loop() {
  net::steady_timer tick(io_);
  while (!stopped_) {
    config::SnapshotPtr snapshot = source_();
    auto now = std::chrono::steady_clock::now();
    for (const config::Provider& provider : snapshot->config().providers) {
      if (!provider.enabled || !provider.health.enabled || stopped_) continue;
      auto& due = next_check_[provider.name];
      if (now < due) continue;
      due = now + provider.health.interval;
      bool healthy = co_await probe(provider);
      if (observer_) observer_(provider.name, healthy);
    }
    tick.expires_after(std::chrono::milliseconds(250));
    co_await tick.async_wait(net::as_tuple(net::use_awaitable));
  }
}

net::awaitable<bool> HealthChecker::probe(const config::Provider& provider) {
  // A fresh connection per check: a check is about reachability now, and it
  // must not take a connection from the request path's pool.
  config::Provider bounded = provider;
  bounded.timeouts.connect = std::min(provider.timeouts.connect, provider.health.timeout);
  ConnectResult connected = co_await pool_.acquire(bounded);
  if (!connected.connection) co_return false;
  std::vector<std::pair<std::string, std::string>> headers = {{"User-Agent", "switchyard-health"},
                                                              {"Connection", "close"}};
  if (!provider.api_key.empty())
    headers.emplace_back("Authorization", "Bearer " + provider.api_key);
  const std::string request =
      serialize_request("GET", provider.health.path, provider.url, headers, {});
  ResponseParser parser;
  auto ec = co_await connected.connection->write(request, provider.health.timeout);
  if (!ec) ec = co_await connected.connection->read_header(parser, provider.health.timeout);
  connected.connection->close();
  if (ec) co_return false;
  int status = parser.get().result_int();
  co_return status >= 200 && status < 300;
}

}  // namespace switchyard::providers
