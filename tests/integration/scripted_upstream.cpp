#include "tests/integration/scripted_upstream.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>

#include <boost/json.hpp>

namespace itest {

namespace json = boost::json;

std::string RawRequest::user_content() const {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec || !value.is_object()) return {};
  const json::value* messages = value.as_object().if_contains("messages");
  if (!messages || !messages->is_array() || messages->as_array().empty()) return {};
  const json::value& first = messages->as_array()[0];
  const json::value* content =
      first.is_object() ? first.as_object().if_contains("content") : nullptr;
  return content && content->is_string() ? std::string(content->as_string()) : std::string();
}

bool RawRequest::stream() const {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec || !value.is_object()) return false;
  const json::value* stream = value.as_object().if_contains("stream");
  return stream && stream->is_bool() && stream->as_bool();
}

ScriptedUpstream::ScriptedUpstream(RawHandler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 128) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (listen_fd_ >= 0) ::close(listen_fd_);
    throw std::runtime_error("ScriptedUpstream: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(addr.sin_port);
  accept_thread_ = std::thread([this] { accept_loop(); });
}

ScriptedUpstream::~ScriptedUpstream() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  accept_thread_.join();
  {
    std::lock_guard lock(mutex_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& thread : threads_) thread.join();
  for (int fd : fds_) ::close(fd);
  ::close(listen_fd_);
}

std::string ScriptedUpstream::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

void ScriptedUpstream::accept_loop() {
  while (!stopping_) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (stopping_) return;
      continue;
    }
    std::size_t connection = ++accepted_;
    std::lock_guard lock(mutex_);
    fds_.push_back(fd);
    threads_.emplace_back([this, fd, connection] { serve(fd, connection); });
  }
}

namespace {

// The Content-Length of a request head (0 when absent).
std::size_t content_length(const std::string& head) {
  std::string lower;
  for (char c : head)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  std::size_t at = lower.find("\r\ncontent-length:");
  if (at == std::string::npos) return 0;
  return std::stoul(lower.substr(at + 17));
}

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

}  // namespace

void ScriptedUpstream::serve(int fd, std::size_t connection) {
  std::string buffer;
  char chunk[16 * 1024];
  for (;;) {
    std::size_t head_end;
    while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
      if (got <= 0) return;
      buffer.append(chunk, static_cast<std::size_t>(got));
    }
    RawRequest request;
    request.connection = connection;
    request.head = buffer.substr(0, head_end + 4);
    std::size_t length = content_length(request.head);
    while (buffer.size() < head_end + 4 + length) {
      ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
      if (got <= 0) return;
      buffer.append(chunk, static_cast<std::size_t>(got));
    }
    request.body = buffer.substr(head_end + 4, length);
    buffer.erase(0, head_end + 4 + length);
    request.number = ++requests_;
    RawReply reply = handler_(request);
    for (const std::string& write : reply.writes) {
      if (!send_all(fd, write)) return;
    }
    ++replies_sent_;
    if (reply.close_after) {
      ::shutdown(fd, SHUT_RDWR);
      return;
    }
  }
}

std::string http_json(std::string_view body, std::string_view extra_headers) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + std::string(extra_headers) + "\r\n" +
         std::string(body);
}

std::string chunk_of(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + std::string(data) + "\r\n";
}

std::string http_sse_chunked(const std::vector<std::string>& events, bool last_chunk) {
  std::string out =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (const auto& event : events) out += chunk_of(event);
  if (last_chunk) out += "0\r\n\r\n";
  return out;
}

}  // namespace itest
