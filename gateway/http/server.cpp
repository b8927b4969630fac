#include "gateway/http/server.hpp"

#include <optional>
#include <random>

#include <unistd.h>

#include <boost/asio.hpp>

#include "gateway/accounting/access_log.hpp"
#include "gateway/accounting/metrics.hpp"
#include "gateway/http/session.hpp"

namespace switchyard {

namespace {
// How long cancelled requests get to write their error and record; bounded by
// the send timeout of a slow client in practice.
constexpr std::chrono::seconds kCancelWait{5};

// An IP literal, or a name such as localhost (its first address, IPv4
// preferred: "localhost" should not depend on the resolver's order).
net::ip::address resolve_listen_address(const std::string& host, boost::system::error_code& ec) {
  auto address = net::ip::make_address(host, ec);
  if (!ec) return address;
  net::io_context io;
  net::ip::tcp::resolver resolver(io);
  auto results = resolver.resolve(host, "", net::ip::resolver_base::passive, ec);
  if (ec) return {};
  std::optional<net::ip::address> v6;
  for (const auto& entry : results) {
    if (entry.endpoint().address().is_v4()) return entry.endpoint().address();
    if (!v6) v6 = entry.endpoint().address();
  }
  if (v6) return *v6;
  ec = net::error::host_not_found;
  return {};
}
}  // namespace

Gateway::Gateway(config::SnapshotPtr initial, Accounting& accounting)
    : snapshot_(std::move(initial)), accounting_(accounting) {
  endpoints_.adopt(*snapshot_);
  std::random_device random;
  instance_tag_ = (static_cast<std::uint64_t>(random()) << 32) ^ random();
}

config::SnapshotPtr Gateway::snapshot() const {
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_;
}

void Gateway::replace_snapshot(config::SnapshotPtr next) {
  endpoints_.adopt(*next);  // before publishing: no endpoint without a state
  {
    std::lock_guard lock(snapshot_mutex_);
    snapshot_ = std::move(next);
  }
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

std::shared_ptr<net::ssl::context> Gateway::tls_context() const {
  std::lock_guard lock(snapshot_mutex_);
  return tls_context_;
}

void Gateway::set_tls_context(std::shared_ptr<net::ssl::context> context) {
  std::lock_guard lock(snapshot_mutex_);
  tls_context_ = std::move(context);
}

std::string Gateway::next_request_id() {
  // Unique per process run and cheap: a random instance tag and a counter.
  std::uint64_t n = request_counter_.fetch_add(1, std::memory_order_relaxed);
  char text[40];
  std::snprintf(text, sizeof(text), "req-%08llx%010llx",
                static_cast<unsigned long long>(instance_tag_ & 0xffffffffu),
                static_cast<unsigned long long>(n));
  return text;
}

Worker::Worker(Gateway& gateway, unsigned index)
    : gateway_(gateway),
      index_(index),
      acceptor_(io_),
      admin_acceptor_(io_),
      pool_(io_.get_executor()) {}

Worker::~Worker() = default;

const config::SnapshotPtr& Worker::snapshot() {
  std::uint64_t generation = gateway_.generation();
  if (generation != snapshot_generation_) {
    snapshot_ = gateway_.snapshot();
    snapshot_generation_ = generation;
  }
  return snapshot_;
}

namespace {

// No SO_REUSEPORT: with it, any other process (a second gateway started by
// mistake) could bind the same port and the kernel would silently split the
// traffic. One socket binds exclusively; the process's other workers share it.
bool bind_exclusive(net::ip::tcp::acceptor& acceptor, const net::ip::tcp::endpoint& endpoint,
                    std::string_view what, std::string& error) {
  boost::system::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (!ec) return true;
  error = "cannot listen on " + endpoint.address().to_string() + ":" +
          std::to_string(endpoint.port());
  error += what;
  error += ": " + ec.message();
  return false;
}

}  // namespace

bool Worker::listen(const net::ip::tcp::endpoint& endpoint, std::string& error) {
  return bind_exclusive(acceptor_, endpoint, "", error);
}

bool Worker::share_listener(Worker& first, std::string& error) {
  // A duplicate descriptor of the same listening socket: every worker's event
  // loop accepts from one kernel queue, and no port is left open to others.
  int fd = ::dup(first.acceptor_.native_handle());
  boost::system::error_code ec;
  if (fd < 0) {
    ec = boost::system::error_code(errno, boost::system::system_category());
  } else {
    acceptor_.assign(first.acceptor_.local_endpoint(ec).protocol(), fd, ec);
    if (ec) ::close(fd);
  }
  if (ec) {
    error = "cannot share the listening socket: " + ec.message();
    return false;
  }
  return true;
}

bool Worker::listen_admin(const net::ip::tcp::endpoint& endpoint, std::string& error) {
  return bind_exclusive(admin_acceptor_, endpoint, " (admin)", error);
}

std::uint16_t Worker::admin_port() const {
  boost::system::error_code ec;
  auto endpoint = admin_acceptor_.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

std::uint16_t Worker::bound_port() const {
  boost::system::error_code ec;
  auto endpoint = acceptor_.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

void Worker::start_accepting() {
  net::co_spawn(io_, accept_loop(acceptor_, ListenerRole::public_api), net::detached);
  if (admin_acceptor_.is_open()) {
    net::co_spawn(io_, accept_loop(admin_acceptor_, ListenerRole::admin), net::detached);
  }
}

net::awaitable<void> Worker::accept_loop(net::ip::tcp::acceptor& acceptor, ListenerRole role) {
  while (acceptor.is_open()) {
    auto [ec, socket] = co_await acceptor.async_accept(net::as_tuple(net::use_awaitable));
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) break;
      // EMFILE and friends: back off briefly instead of spinning.
      net::steady_timer pause(io_, std::chrono::milliseconds(50));
      co_await pause.async_wait(net::as_tuple(net::use_awaitable));
      continue;
    }
    start_session(*this, std::move(socket), role);
  }
}

void Worker::begin_drain() {
  net::post(io_, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    admin_acceptor_.close(ignored);
    // Copy: closing may untrack.
    std::vector<Session*> sessions(sessions_.begin(), sessions_.end());
    for (Session* session : sessions) session->drain();
  });
}

void Worker::cancel_in_flight() {
  net::post(io_, [this] {
    cancelling_ = true;
    // Copy: a cancelled attempt may end, and untrack, before the loop does.
    std::vector<ShutdownCancellable*> in_flight(in_flight_.begin(), in_flight_.end());
    for (ShutdownCancellable* attempt : in_flight) {
      if (in_flight_.contains(attempt)) attempt->cancel_for_shutdown();
    }
  });
}

Server::Server(Gateway& gateway, unsigned workers) : gateway_(gateway) {
  if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < workers; ++i) workers_.push_back(std::make_unique<Worker>(gateway, i));
}

Server::~Server() {
  if (!threads_.empty()) stop(std::chrono::milliseconds(0));
}

bool Server::listen(const std::string& host, std::uint16_t port, std::string& error) {
  boost::system::error_code ec;
  auto address = resolve_listen_address(host, ec);
  if (ec) {
    error = "invalid listen address '" + host + "': " + ec.message();
    return false;
  }
  host_ = address.to_string();  // the address bound, also when given a name
  net::ip::tcp::endpoint endpoint(address, port);
  Worker& first = *workers_.front();
  if (!first.listen(endpoint, error)) return false;
  for (std::size_t i = 1; i < workers_.size(); ++i) {
    if (!workers_[i]->share_listener(first, error)) return false;
  }
  port_ = first.bound_port();
  return true;
}

std::string Server::address() const {
  bool v6 = host_.find(':') != std::string::npos;
  return (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

bool Server::listen_admin(const std::string& host, std::uint16_t port, std::string& error) {
  boost::system::error_code ec;
  auto address = resolve_listen_address(host, ec);
  if (ec) {
    error = "invalid admin listen address '" + host + "': " + ec.message();
    return false;
  }
  if (!workers_.front()->listen_admin(net::ip::tcp::endpoint(address, port), error)) return false;
  admin_host_ = address.to_string();
  admin_port_ = workers_.front()->admin_port();
  return true;
}

std::string Server::admin_address() const {
  if (admin_host_.empty()) return {};
  bool v6 = admin_host_.find(':') != std::string::npos;
  return (v6 ? "[" + admin_host_ + "]" : admin_host_) + ":" + std::to_string(admin_port_);
}

void Server::start() {
  for (auto& worker : workers_) {
    worker->start_accepting();
    threads_.emplace_back([&io = worker->io()] { io.run(); });
  }
}

void Server::stop(std::chrono::milliseconds grace) {
  if (stopped_) return;
  stopped_ = true;
  gateway_.set_draining();
  for (auto& worker : workers_) worker->begin_drain();
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (gateway_.open_connections().load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Cancel, then await: stopping the event loops with requests in flight
  // would destroy their coroutines with no error sent and no record written.
  for (auto& worker : workers_) worker->cancel_in_flight();
  auto cancel_deadline = std::chrono::steady_clock::now() + kCancelWait;
  while (gateway_.open_connections().load() > 0 &&
         std::chrono::steady_clock::now() < cancel_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& worker : workers_) worker->io().stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

}  // namespace switchyard
