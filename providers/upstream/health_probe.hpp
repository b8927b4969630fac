#pragma once
// Active health checks for providers that ask for them (local model servers by
// default): GET the configured path on an interval; a 2xx is healthy, anything
// else unhealthy. A server that lists its models (Ollama, vLLM: see
// model_listing.hpp) is asked for the list too, so health can be per model.
// The verdict goes to the observer, which owns what it means (the gateway
// marks the provider's endpoints, logs changes and sets a gauge): probing
// knows nothing of endpoint state. Runs on its own io_context so a slow check
// never delays a request.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "config/snapshot.hpp"
#include "providers/upstream/pool.hpp"

namespace switchyard::providers {

struct HealthVerdict {
  bool reachable = false;  // the health route answered 2xx
  std::string problem;     // why not, when not reachable ("HTTP 503", "no connection")
  // The upstream model names the server lists; nullopt when it is not asked
  // or gave no listing (then the server's verdict holds for every model).
  std::optional<std::vector<std::string>> listed_models;
};

class HealthChecker {
 public:
  using SnapshotSource = std::function<config::SnapshotPtr()>;
  // Called on the checker's io_context after every probe.
  using Observer = std::function<void(const std::string& provider, const HealthVerdict& verdict)>;

  HealthChecker(boost::asio::io_context& io, SnapshotSource source, Observer observer);
  void start();
  void stop() { stopped_ = true; }

 private:
  boost::asio::awaitable<void> loop();
  boost::asio::awaitable<HealthVerdict> probe(const config::Provider& provider);
  struct Answer {
    int status = 0;  // 0: no complete answer
    std::string body;
    std::string problem;
  };
  // One GET on a fresh connection, the body read in full (bounded).
  boost::asio::awaitable<Answer> get(const config::Provider& provider, const std::string& path);

  boost::asio::io_context& io_;
  SnapshotSource source_;
  Observer observer_;
  // Probes only connect() through it, never lease: it is kept for its DNS
  // cache and TLS contexts (loading the system CAs once, not per probe).
  UpstreamPool pool_;
  bool stopped_ = false;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> next_check_;
};

}  // namespace switchyard::providers
