#pragma once
// Active health checks for providers that ask for them (local model servers by
// default): GET the configured path on an interval; a 2xx is healthy, anything
// else unhealthy. The verdict goes to the observer, which owns what it means
// (the gateway marks the provider's endpoints and sets a gauge): probing knows
// nothing of endpoint state. Runs on its own io_context so a slow check never
// delays a request.
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "config/snapshot.hpp"
#include "providers/upstream/pool.hpp"

namespace switchyard::providers {

class HealthChecker {
 public:
  using SnapshotSource = std::function<config::SnapshotPtr()>;
  // Called on the checker's io_context after every probe.
  using Observer = std::function<void(const std::string& provider, bool healthy)>;

  HealthChecker(boost::asio::io_context& io, SnapshotSource source, Observer observer);
  void start();
  void stop() { stopped_ = true; }

 private:
  boost::asio::awaitable<void> loop();
  boost::asio::awaitable<bool> probe(const config::Provider& provider);

  boost::asio::io_context& io_;
  SnapshotSource source_;
  Observer observer_;
  // Probes never return connections to it, so every probe connects afresh;
  // it is kept for its DNS cache and TLS contexts (loading the system CAs
  // once, not on every probe).
  UpstreamPool pool_;
  bool stopped_ = false;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> next_check_;
};

}  // namespace switchyard::providers
