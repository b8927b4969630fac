#include "tests/integration/fake_upstream.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <stdexcept>

namespace itest {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

boost::json::value RecordedRequest::json() const {
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec);
  return ec ? boost::json::value() : value;
}

Response Response::json(std::string body, int status, Headers headers) {
  Response r;
  r.kind = Kind::full;
  r.status = status;
  if (header_count(headers, "content-type") == 0) {
    headers.emplace_back("Content-Type", "application/json");
  }
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

Response Response::stream(SseScript script, int status) {
  Response r;
  r.kind = Kind::sse;
  r.status = status;
  r.sse = std::move(script);
  return r;
}

Response Response::silence() {
  Response r;
  r.kind = Kind::silence;
  return r;
}

Response Response::close() {
  Response r;
  r.kind = Kind::close;
  return r;
}

FakeUpstream::FakeUpstream(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 128) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (listen_fd_ >= 0) ::close(listen_fd_);
    throw std::runtime_error("FakeUpstream: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(addr.sin_port);
  accept_thread_ = std::thread([this] { accept_loop(); });
}

FakeUpstream::~FakeUpstream() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
  accept_thread_.join();
  ::close(listen_fd_);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);  // wakes blocked reads
    threads.swap(connection_threads_);
  }
  for (auto& t : threads) t.join();
}

std::string FakeUpstream::base_url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void FakeUpstream::set_handler(Handler handler) {
  std::lock_guard lock(mutex_);
  handler_ = std::move(handler);
}

std::vector<RecordedRequest> FakeUpstream::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::optional<RecordedRequest> FakeUpstream::last_request() const {
  std::lock_guard lock(mutex_);
  if (requests_.empty()) return std::nullopt;
  return requests_.back();
}

void FakeUpstream::accept_loop() {
  while (!stopping_) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (stopping_ || (errno != EINTR && errno != ECONNABORTED)) return;
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::size_t connection = ++accepted_;
    ++open_;
    std::lock_guard lock(mutex_);
    open_fds_.insert(fd);
    connection_threads_.emplace_back([this, fd, connection] { serve(fd, connection); });
  }
}

void FakeUpstream::wait_peer_close(int fd) const {
  while (!stopping_) {
    pollfd p{fd, POLLIN | POLLRDHUP, 0};
    int n = ::poll(&p, 1, 100);
    if (n < 0 && errno != EINTR) return;
    if (n <= 0) continue;
    if (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) return;
    char byte;
    if (::recv(fd, &byte, 1, MSG_PEEK) <= 0) return;
    // Unexpected data (a pipelined request) is left unread; keep waiting.
    ::usleep(10'000);
  }
}

namespace {
// True when the peer closed (or reset) the connection within `timeout`.
bool peer_closed_within(int fd, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN | POLLRDHUP, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0;
    if (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) return true;
    char byte;
    if (::recv(fd, &byte, 1, MSG_PEEK) <= 0) return true;
    ::usleep(10'000);  // data, not a close: keep waiting
  }
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return std::string(size) + std::string(data) + "\r\n";
}
}  // namespace

bool FakeUpstream::send_stream(int fd, const SseScript& script) {
  std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
      "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n";
  if (!write_all(fd, head)) return false;
  for (std::size_t i = 0; i < script.events.size(); ++i) {
    if (script.stop_after && i == *script.stop_after) {
      if (script.hang_on_stop) wait_peer_close(fd);
      return false;  // abrupt end: no final chunk
    }
    if (i > 0 && script.delay.count() > 0 && peer_closed_within(fd, script.delay)) {
      ++streams_cut_by_peer_;
      return false;
    }
    if (!write_all(fd, chunk(script.events[i]))) {
      ++streams_cut_by_peer_;
      return false;
    }
    ++events_sent_;
  }
  if (!write_all(fd, "0\r\n\r\n")) return false;
  ++streams_completed_;
  return true;
}

void FakeUpstream::serve(int fd, std::size_t connection) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.assign(tcp::v4(), fd);
  beast::flat_buffer buffer;
  while (!stopping_) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    beast::error_code ec;
    http::read(socket, buffer, parser, ec);
    if (ec) break;
    auto& req = parser.get();
    RecordedRequest record;
    record.connection = connection;
    record.method = std::string(req.method_string());
    record.target = std::string(req.target());
    for (const auto& field : req) {
      record.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    record.body = req.body();
    Handler handler;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(record);
      handler = handler_;
    }
    ++hits_;
    Response answer = handler(record);
    bool keep_open = false;
    switch (answer.kind) {
      case Response::Kind::full: {
        http::response<http::string_body> res{static_cast<http::status>(answer.status), 11};
        for (const auto& [name, value] : answer.headers) res.insert(name, value);
        res.body() = answer.body;
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        http::write(socket, res, ec);
        keep_open = !ec && req.keep_alive();
        break;
      }
      case Response::Kind::sse:
        keep_open = send_stream(fd, answer.sse) && req.keep_alive();
        break;
      case Response::Kind::silence:
        wait_peer_close(fd);
        break;
      case Response::Kind::close:
        break;
    }
    if (!keep_open) break;
  }
  {
    std::lock_guard lock(mutex_);
    open_fds_.erase(fd);
    beast::error_code ignored;
    socket.close(ignored);
  }
  --open_;
}

}  // namespace itest
