#pragma once
// Upstream connections of one worker, per upstream address: a cap on those
// in flight (with a bounded waiting line), idle ones kept for reuse, and the
// lease that hands one out.
//
// A lease goes back to the pool only when the response reader says the
// exchange ended cleanly, the response allows keep-alive and no byte beyond
// it was read: may_reuse() (reuse_rule.hpp) is that one predicate, and
// Lease::finish() its one caller. Every other end (errors, cancellation, a client gone, a destroyed
// lease) closes the connection.
//
// Idle connections are not capped by a count: there are never more than were
// in flight at once (at most max_connections), and each is closed after
// pool_idle without use. A fixed idle cap below the concurrency would close
// and reopen a connection for most requests under load.
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "config/config.hpp"
#include "providers/codec.hpp"
#include "providers/upstream/connection.hpp"
#include "providers/upstream/dns.hpp"
#include "providers/upstream/endpoint_gate.hpp"
#include "providers/upstream/request_writer.hpp"
#include "providers/upstream/reuse_rule.hpp"
#include "providers/upstream/tls.hpp"

namespace switchyard::providers {

class UpstreamPool;

class Lease {
 public:
  Lease() = default;
  Lease(Lease&& other) noexcept;
  Lease& operator=(Lease&& other) noexcept;
  ~Lease();  // closes the connection unless finish() returned it

  explicit operator bool() const { return connection_ != nullptr; }
  UpstreamConnection& connection() { return *connection_; }
  UpstreamConnection* operator->() { return connection_.get(); }

  // The end of an exchange read by `reader`: back to the pool when
  // may_reuse(reader), else closed. Returns whether it went back.
  bool finish(const ResponseReader& reader);
  // Closes the connection now (failure, cancellation, client gone).
  void close();

 private:
  friend class UpstreamPool;
  void release_slot();

  UpstreamPool* pool_ = nullptr;
  std::string key_;
  std::shared_ptr<EndpointGate> gate_;  // shared: a lease may outlive its pool at shutdown
  std::unique_ptr<UpstreamConnection> connection_;
};

struct AcquireResult {
  Lease lease;
  FailureKind failure = FailureKind::none;
  std::string message;  // names the provider, never a key
  // Idle connections found to have sent bytes nobody asked for (a response
  // to no request): closed, and to be counted as protocol errors.
  int unsolicited = 0;
};

struct ConnectResult {
  std::unique_ptr<UpstreamConnection> connection;
  FailureKind failure = FailureKind::none;
  std::string message;
};

class UpstreamPool {
 public:
  explicit UpstreamPool(boost::asio::any_io_executor executor);
  ~UpstreamPool();

  // A slot under the provider's cap (waiting in line if need be), then a
  // quiet idle connection, else a new one.
  boost::asio::awaitable<AcquireResult> acquire(const config::Provider& provider);
  // A new connection outside the pool and its cap (health probes).
  boost::asio::awaitable<ConnectResult> connect(const config::Provider& provider);

  std::size_t idle_count(const config::Provider& provider) const;
  std::size_t in_flight(const config::Provider& provider) const;
  // Drops every idle connection (shutdown, reload).
  void clear();

 private:
  friend class Lease;
  struct Endpoint {
    std::vector<std::unique_ptr<UpstreamConnection>> idle;
    std::shared_ptr<EndpointGate> gate = std::make_shared<EndpointGate>();
    config::Millis idle_ttl{60'000};
  };
  static std::string pool_key(const config::Provider& provider);
  void put_back(const std::string& key, std::unique_ptr<UpstreamConnection> connection);
  std::unique_ptr<UpstreamConnection> take_idle(Endpoint& endpoint, int& unsolicited);
  void evict_expired(Endpoint& endpoint, std::chrono::steady_clock::time_point now);

  boost::asio::any_io_executor executor_;
  DnsCache dns_;
  TlsContexts tls_;
  std::unordered_map<std::string, Endpoint> endpoints_;
};

}  // namespace switchyard::providers
