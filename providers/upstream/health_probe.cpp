#include "providers/upstream/health_probe.hpp"

#include <boost/asio.hpp>
#include <boost/beast/http.hpp>

#include "providers/upstream/model_listing.hpp"
#include "providers/upstream/pool.hpp"

namespace switchyard::providers {

namespace net = boost::asio;

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
      HealthVerdict verdict = co_await probe(provider);
      if (observer_) observer_(provider.name, verdict);
    }
    tick.expires_after(std::chrono::milliseconds(250));
    co_await tick.async_wait(net::as_tuple(net::use_awaitable));
  }
}

net::awaitable<HealthChecker::Answer> HealthChecker::get(const config::Provider& provider,
                                                         const std::string& path) {
  // A fresh connection per check, outside the pool and its cap: a check is
  // about reachability now, and it must not take a request's connection.
  constexpr std::size_t kMaxBody = 4 * 1024 * 1024;  // a listing of many models
  Answer answer;
  config::Provider bounded = provider;
  bounded.timeouts.connect = std::min(provider.timeouts.connect, provider.health.timeout);
  ConnectResult connected = co_await pool_.connect(bounded);
  if (!connected.connection) {
    answer.problem = "no connection";
    co_return answer;
  }
  HeaderList headers = {{"User-Agent", "switchyard-health"}, {"Connection", "close"}};
  if (!provider.api_key.empty())
    headers.emplace_back("Authorization", "Bearer " + provider.api_key);
  const std::string request = serialize_request("GET", path, provider.url, headers, {});
  ResponseReader reader;
  reader.reset(false);
  // One deadline for the whole check, not one per read.
  const auto deadline = std::chrono::steady_clock::now() + provider.health.timeout;
  auto left = [&] {
    auto remaining =
        std::chrono::duration_cast<config::Millis>(deadline - std::chrono::steady_clock::now());
    return std::max(remaining, config::Millis(1));
  };
  auto ec = co_await connected.connection->write(request, left());
  if (!ec) ec = co_await connected.connection->read_head(reader, answer.body, left());
  while (!ec && reader.status() == ResponseReader::Status::need_more &&
         answer.body.size() <= kMaxBody && std::chrono::steady_clock::now() < deadline) {
    ec = co_await connected.connection->read_into(reader, answer.body, left());
  }
  connected.connection->close();
  if (!reader.head_ready()) {
    answer.problem = ec ? "no answer: " + ec.message() : "no answer";
    co_return answer;
  }
  answer.status = reader.head().status;
  // The status is the health verdict; a cut or oversized body is no listing.
  if (ec || !reader.ended_cleanly()) answer.body.clear();
  co_return answer;
}

net::awaitable<HealthVerdict> HealthChecker::probe(const config::Provider& provider) {
  HealthVerdict verdict;
  Answer health = co_await get(provider, provider.health.path);
  if (health.status < 200 || health.status >= 300) {
    verdict.problem = health.status != 0 ? "HTTP " + std::to_string(health.status) : health.problem;
    co_return verdict;
  }
  verdict.reachable = true;
  std::optional<std::string> list_path = model_list_path(provider);
  if (!list_path) co_return verdict;
  // No co_await inside a conditional expression: g++ 12 miscompiles it.
  Answer listing;
  if (*list_path == provider.health.path) {
    listing = std::move(health);
  } else {
    listing = co_await get(provider, *list_path);
  }
  if (listing.status >= 200 && listing.status < 300)
    verdict.listed_models = parse_model_listing(listing.body);
  co_return verdict;
}

}  // namespace switchyard::providers
