#pragma once
// The process: shared state (config snapshot, accounting), one Worker per
// thread (own io_context, an acceptor on one shared listening socket, own upstream pools), and
// graceful drain. No lock on the request path: workers re-read the snapshot
// only when its generation changes.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/snapshot.hpp"
#include "gateway/accounting/accounting.hpp"
#include "gateway/http/listener_role.hpp"
#include "gateway/routes/key_concurrency.hpp"
#include "policies/endpoint_table.hpp"
#include "policies/retry_budget.hpp"
#include "providers/upstream/pool.hpp"

namespace switchyard {

namespace net = boost::asio;

class Gateway {
 public:
  Gateway(config::SnapshotPtr initial, Accounting& accounting);

  config::SnapshotPtr snapshot() const;
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  void replace_snapshot(config::SnapshotPtr next);

  Accounting& accounting() { return accounting_; }
  // Live endpoint state, shared by every worker and kept across reloads.
  policies::EndpointTable& endpoints() { return endpoints_; }
  std::atomic<std::size_t>& open_connections() { return open_connections_; }
  bool draining() const { return draining_.load(std::memory_order_acquire); }
  void set_draining() { draining_.store(true, std::memory_order_release); }
  std::string next_request_id();
  policies::RetryBudget& retry_budget() { return retry_budget_; }

  // The public listener's TLS context (null: plain TCP). Swapped on reload;
  // a connection keeps the context it was accepted with.
  std::shared_ptr<net::ssl::context> tls_context() const;
  void set_tls_context(std::shared_ptr<net::ssl::context> context);
  KeyConcurrency& key_concurrency() { return key_concurrency_; }

 private:
  mutable std::mutex snapshot_mutex_;  // taken only on a generation change
  policies::EndpointTable endpoints_;  // adopts a snapshot before it is published
  config::SnapshotPtr snapshot_;
  std::shared_ptr<net::ssl::context> tls_context_;  // under snapshot_mutex_
  KeyConcurrency key_concurrency_;
  std::atomic<std::uint64_t> generation_{1};
  Accounting& accounting_;
  std::atomic<std::size_t> open_connections_{0};
  std::atomic<bool> draining_{false};
  std::atomic<std::uint64_t> request_counter_{0};
  std::uint64_t instance_tag_;
  policies::RetryBudget retry_budget_;
};

class Session;

// Something in flight that the end of the shutdown grace period must cancel.
class ShutdownCancellable {
 public:
  virtual void cancel_for_shutdown() = 0;

 protected:
  ~ShutdownCancellable() = default;
};

class Worker {
 public:
  Worker(Gateway& gateway, unsigned index);
  ~Worker();

  net::io_context& io() { return io_; }
  Gateway& gateway() { return gateway_; }
  providers::UpstreamPool& pool() { return pool_; }
  // The current snapshot, refreshed when the gateway's generation moved.
  const config::SnapshotPtr& snapshot();
  unsigned index() const { return index_; }

  bool listen(const net::ip::tcp::endpoint& endpoint, std::string& error);
  // Accepts from the first worker's listening socket (a duplicate descriptor).
  bool share_listener(Worker& first, std::string& error);
  // The admin listener, on one worker only (it carries little traffic).
  bool listen_admin(const net::ip::tcp::endpoint& endpoint, std::string& error);
  std::uint16_t bound_port() const;
  std::uint16_t admin_port() const;
  void start_accepting();
  // Stop accepting and close idle keep-alive connections; busy ones close
  // after their response.
  void begin_drain();

  // Cancellation at the end of the shutdown grace period: every upstream
  // attempt in flight is tracked here, and cancelling ends each, so its
  // request writes its error and its record.
  bool cancelling() const { return cancelling_; }
  void cancel_in_flight();  // from any thread
  void track_in_flight(ShutdownCancellable* attempt) { in_flight_.insert(attempt); }
  void untrack_in_flight(ShutdownCancellable* attempt) { in_flight_.erase(attempt); }

  void track(Session* session) { sessions_.insert(session); }
  void untrack(Session* session) { sessions_.erase(session); }

 private:
  net::awaitable<void> accept_loop(net::ip::tcp::acceptor& acceptor, ListenerRole role);

  Gateway& gateway_;
  unsigned index_;
  // Declared before io_ so it outlives the coroutine frames io_ destroys.
  std::unordered_set<Session*> sessions_;
  config::SnapshotPtr snapshot_;
  std::uint64_t snapshot_generation_ = 0;
  net::io_context io_{1};
  net::ip::tcp::acceptor acceptor_;
  net::ip::tcp::acceptor admin_acceptor_;
  providers::UpstreamPool pool_;
  std::unordered_set<ShutdownCancellable*> in_flight_;
  bool cancelling_ = false;  // touched on the worker's thread only
};

class Server {
 public:
  Server(Gateway& gateway, unsigned workers);
  ~Server();

  // Binds every worker's acceptor to host:port (port 0 picks one port for all).
  bool listen(const std::string& host, std::uint16_t port, std::string& error);
  std::uint16_t port() const { return port_; }
  std::string address() const;
  // The admin listener on the first worker; "" / 0 when not configured.
  bool listen_admin(const std::string& host, std::uint16_t port, std::string& error);
  std::string admin_address() const;
  void start();  // worker threads begin serving
  // Graceful stop: no new connections, in-flight requests finish until the
  // deadline, then each is cancelled and awaited (it answers with its error
  // and writes its record). Blocks until threads joined.
  void stop(std::chrono::milliseconds grace);
  std::vector<std::unique_ptr<Worker>>& workers() { return workers_; }

 private:
  Gateway& gateway_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::string host_;
  std::uint16_t port_ = 0;
  std::string admin_host_;
  std::uint16_t admin_port_ = 0;
  bool stopped_ = false;
};

}  // namespace switchyard
