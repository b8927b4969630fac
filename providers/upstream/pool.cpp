#include "providers/upstream/pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

namespace switchyard::providers {

namespace net = boost::asio;
namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;

// ---- Lease -----------------------------------------------------------------

Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_),
      key_(std::move(other.key_)),
      gate_(std::move(other.gate_)),
      connection_(std::move(other.connection_)) {
  other.pool_ = nullptr;
}

Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    close();
    pool_ = other.pool_;
    key_ = std::move(other.key_);
    gate_ = std::move(other.gate_);
    connection_ = std::move(other.connection_);
    other.pool_ = nullptr;
  }
  return *this;
}

Lease::~Lease() {
  // Never touches the pool: at shutdown the pool may already be gone.
  close();
}

void Lease::release_slot() {
  if (gate_) gate_->leave();
  gate_.reset();
}

bool Lease::finish(const ResponseReader& reader) {
  if (!connection_) return false;
  if (!may_reuse(reader) || pool_ == nullptr) {
    close();
    return false;
  }
  pool_->put_back(key_, std::move(connection_));
  release_slot();
  return true;
}

void Lease::close() {
  if (connection_) connection_->close();
  connection_.reset();
  release_slot();
}

// ---- Pool ------------------------------------------------------------------

UpstreamPool::UpstreamPool(net::any_io_executor executor) : executor_(executor), dns_(executor) {}

UpstreamPool::~UpstreamPool() {
  clear();
}

std::string UpstreamPool::pool_key(const config::Provider& provider) {
  return (provider.url.tls ? "https://" : "http://") + provider.url.host + ":" +
         std::to_string(provider.url.port) + "|" + provider.ca_file;
}

std::size_t UpstreamPool::idle_count(const config::Provider& provider) const {
  auto it = endpoints_.find(pool_key(provider));
  return it == endpoints_.end() ? 0 : it->second.idle.size();
}

std::size_t UpstreamPool::in_flight(const config::Provider& provider) const {
  auto it = endpoints_.find(pool_key(provider));
  return it == endpoints_.end() ? 0 : it->second.gate->in_flight();
}

void UpstreamPool::clear() {
  for (auto& [key, endpoint] : endpoints_) {
    for (auto& connection : endpoint.idle) connection->close();
    endpoint.idle.clear();
  }
}

void UpstreamPool::put_back(const std::string& key,
                            std::unique_ptr<UpstreamConnection> connection) {
  auto it = endpoints_.find(key);
  if (it == endpoints_.end()) return;  // dropped: the connection closes
  connection->idle_since = Clock::now();
  evict_expired(it->second, connection->idle_since);
  it->second.idle.push_back(std::move(connection));
}

void UpstreamPool::evict_expired(Endpoint& endpoint, Clock::time_point now) {
  // Oldest first: the front has been idle longest.
  auto& idle = endpoint.idle;
  std::size_t expired = 0;
  while (expired < idle.size() && now - idle[expired]->idle_since >= endpoint.idle_ttl) {
    idle[expired++]->close();
  }
  if (expired > 0) idle.erase(idle.begin(), idle.begin() + static_cast<std::ptrdiff_t>(expired));
}

std::unique_ptr<UpstreamConnection> UpstreamPool::take_idle(Endpoint& endpoint, int& unsolicited) {
  evict_expired(endpoint, Clock::now());
  auto& idle = endpoint.idle;
  // Most recently used first: the likeliest to still be open.
  while (!idle.empty()) {
    std::unique_ptr<UpstreamConnection> connection = std::move(idle.back());
    idle.pop_back();
    // A connection that became readable while idle is never reused: EOF
    // means the server closed it; bytes mean an answer to no request.
    switch (connection->idle_state()) {
      case UpstreamConnection::IdleState::quiet:
        connection->reused = true;
        return connection;
      case UpstreamConnection::IdleState::unsolicited_bytes:
        ++unsolicited;
        break;
      case UpstreamConnection::IdleState::closed:
        break;
    }
    connection->close();
  }
  return nullptr;
}

net::awaitable<AcquireResult> UpstreamPool::acquire(const config::Provider& provider) {
  AcquireResult result;
  std::string key = pool_key(provider);
  Endpoint& endpoint = endpoints_[key];  // stable: unordered_map never moves its elements
  endpoint.idle_ttl = provider.pool_idle;
  std::shared_ptr<EndpointGate> gate = endpoint.gate;
  auto entry =
      co_await gate->enter(provider.max_connections, provider.max_queued, provider.queue_timeout);
  if (entry != EndpointGate::Entry::admitted) {
    result.failure = FailureKind::overloaded;
    result.message = "provider '" + provider.name + "' is at its connection limit";
    co_return result;
  }
  result.lease.pool_ = this;
  result.lease.key_ = std::move(key);
  result.lease.gate_ = std::move(gate);
  result.lease.connection_ = take_idle(endpoint, result.unsolicited);
  if (result.lease.connection_) co_return result;
  ConnectResult connected = co_await connect(provider);
  if (!connected.connection) {
    result.lease.close();  // frees the slot
    result.failure = connected.failure;
    result.message = std::move(connected.message);
    co_return result;
  }
  result.lease.connection_ = std::move(connected.connection);
  co_return result;
}

net::awaitable<ConnectResult> UpstreamPool::connect(const config::Provider& provider) {
  auto [resolve_ec, endpoints] = co_await dns_.resolve(provider.url.host, provider.url.port);
  if (resolve_ec) {
    co_return ConnectResult{nullptr, FailureKind::connect,
                            "cannot resolve the address of provider '" + provider.name + "'"};
  }
  auto tcp = std::make_unique<beast::tcp_stream>(executor_);
  tcp->expires_after(provider.timeouts.connect);
  auto [connect_ec, endpoint] =
      co_await tcp->async_connect(endpoints, net::as_tuple(net::use_awaitable));
  (void)endpoint;
  if (connect_ec) {
    bool timed_out = connect_ec == beast::error::timeout;
    co_return ConnectResult{
        nullptr, timed_out ? FailureKind::timeout : FailureKind::connect,
        std::string(timed_out ? "timed out connecting to" : "cannot connect to") + " provider '" +
            provider.name + "'"};
  }
  error_code ignored;
  tcp->socket().set_option(net::ip::tcp::no_delay(true), ignored);
  if (!provider.url.tls) {
    co_return ConnectResult{
        std::make_unique<UpstreamConnection>(std::move(tcp)), FailureKind::none, {}};
  }
  std::string context_error;
  net::ssl::context* context = tls_.get(provider, context_error);
  if (context == nullptr) co_return ConnectResult{nullptr, FailureKind::tls, context_error};
  auto tls = std::make_unique<TlsStream>(std::move(*tcp), *context);
  std::string handshake_error = co_await tls_handshake(*tls, provider);
  if (!handshake_error.empty()) {
    co_return ConnectResult{nullptr, FailureKind::tls, std::move(handshake_error)};
  }
  co_return ConnectResult{
      std::make_unique<UpstreamConnection>(std::move(tls)), FailureKind::none, {}};
}

}  // namespace switchyard::providers
