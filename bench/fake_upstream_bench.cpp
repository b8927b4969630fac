// A fast fake OpenAI-compatible upstream for the load benchmark.
//
// One thread, one io_context, HTTP/1.1 keep-alive with a hand-written
// minimal parser (read until the blank line, then Content-Length bytes of
// body; pipelined requests are answered in order). It must cost far less CPU
// per request than the gateway, so that a run through the gateway measures
// the gateway and not this process.
//
//   POST <any path>, body without "stream":true
//       -> 200, a small chat.completion JSON with usage (Content-Length)
//   POST <any path>, body with "stream":true
//       -> 200, text/event-stream, chunked: 20 chat.completion.chunk events
//          (role, 18 content pieces, finish), a usage chunk, data: [DONE];
//          all written at once, no delays
//   GET  <any path>  -> 200 {"status":"ok"} (health probes)
//
// Requests with Transfer-Encoding, headers over 64 KiB or bodies over 16 MiB
// are answered 400 and the connection is closed.
//
//   fake_upstream_bench [port]     (default 9100; 0 picks a free port)
//
// Prints "listening on 127.0.0.1:PORT" once it accepts connections.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio.hpp>

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kMaxHeader = 64 * 1024;
constexpr std::size_t kMaxBody = 16 * 1024 * 1024;
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr int kContentChunks = 18;

std::string json_response() {
  std::string body =
      R"({"id":"chatcmpl-bench0001","object":"chat.completion","created":1700000000,)"
      R"("model":"bench-upstream-model","system_fingerprint":"fp_bench",)"
      R"("choices":[{"index":0,"message":{"role":"assistant",)"
      R"("content":"Hello! This is a short answer from the fake upstream."},)"
      R"("logprobs":null,"finish_reason":"stop"}],)"
      R"("usage":{"prompt_tokens":24,"completion_tokens":12,"total_tokens":36}})";
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

void add_chunk(std::string& out, std::string_view payload) {
  char hex[16];
  auto [end, ec] = std::to_chars(hex, hex + sizeof hex, payload.size(), 16);
  (void)ec;
  out.append(hex, end);
  out += "\r\n";
  out += payload;
  out += "\r\n";
}

std::string sse_event(std::string_view json) {
  std::string event = "data: ";
  event += json;
  event += "\n\n";
  return event;
}

std::string sse_response() {
  const std::string prefix =
      R"({"id":"chatcmpl-bench0002","object":"chat.completion.chunk","created":1700000000,)"
      R"("model":"bench-upstream-model","system_fingerprint":"fp_bench","choices":)";
  std::string out =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  add_chunk(out, sse_event(prefix +
                           R"([{"index":0,"delta":{"role":"assistant","content":""},)"
                           R"("logprobs":null,"finish_reason":null}]})"));
  for (int i = 0; i < kContentChunks; ++i) {
    add_chunk(out, sse_event(prefix + R"([{"index":0,"delta":{"content":" token)" +
                             std::to_string(i) +
                             R"("},"logprobs":null,"finish_reason":null}]})"));
  }
  add_chunk(out, sse_event(prefix +
                           R"([{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]})"));
  add_chunk(out, sse_event(prefix + R"([],"usage":{"prompt_tokens":24,"completion_tokens":)" +
                           std::to_string(kContentChunks) + R"(,"total_tokens":)" +
                           std::to_string(24 + kContentChunks) + "}}"));
  add_chunk(out, sse_event("[DONE]"));
  out += "0\r\n\r\n";
  return out;
}

const std::string kJson = json_response();
const std::string kSse = sse_response();
const std::string kHealth =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n"
    R"({"status":"ok"})";
const std::string kBadRequest =
    "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool wants_stream(std::string_view body) {
  for (std::size_t at = body.find("\"stream\""); at != std::string_view::npos;
       at = body.find("\"stream\"", at + 8)) {
    std::size_t i = at + 8;
    while (i < body.size() && (body[i] == ' ' || body[i] == ':' || body[i] == '\t')) ++i;
    if (body.substr(i, 4) == "true") return true;
  }
  return false;
}

// The head of one request: what the reply needs to know.
struct Head {
  bool ok = true;
  bool get = false;
  bool close = false;
  std::size_t content_length = 0;
};

Head parse_head(std::string_view head) {
  Head out;
  std::size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  out.get = line.substr(0, 4) == "GET " || line.substr(0, 5) == "HEAD ";
  if (line.size() >= 8 && line.substr(line.size() - 8) == "HTTP/1.0") out.close = true;
  while (eol != std::string_view::npos && eol + 2 < head.size()) {
    std::size_t start = eol + 2;
    eol = head.find("\r\n", start);
    std::string_view field = head.substr(start, eol == std::string_view::npos ? eol : eol - start);
    std::size_t colon = field.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = field.substr(0, colon);
    std::string_view value = trim(field.substr(colon + 1));
    if (iequals(name, "content-length")) {
      auto [end, ec] =
          std::from_chars(value.data(), value.data() + value.size(), out.content_length);
      if (ec != std::errc() || end != value.data() + value.size() ||
          out.content_length > kMaxBody)
        out.ok = false;
    } else if (iequals(name, "transfer-encoding")) {
      out.ok = false;  // not needed by any client of this fake
    } else if (iequals(name, "connection")) {
      if (iequals(value, "close")) out.close = true;
    }
  }
  return out;
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  explicit Connection(tcp::socket socket) : socket_(std::move(socket)) {
    socket_.set_option(tcp::no_delay(true));
    buffer_.resize(kReadChunk);
  }

  void start() { read(); }

 private:
  void read() {
    if (used_ + kReadChunk / 2 > buffer_.size()) buffer_.resize(buffer_.size() * 2);
    socket_.async_read_some(
        net::buffer(buffer_.data() + used_, buffer_.size() - used_),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
          if (ec) return;
          self->used_ += n;
          self->process();
        });
  }

  // Answers every complete request in the buffer, then writes all the
  // answers at once (they are static strings: no copy).
  void process() {
    std::size_t at = 0;
    replies_.clear();
    bool close = false;
    while (!close) {
      std::string_view data(buffer_.data() + at, used_ - at);
      std::size_t end = data.find("\r\n\r\n");
      if (end == std::string_view::npos) {
        if (data.size() > kMaxHeader) {
          replies_.push_back(net::buffer(kBadRequest));
          close = true;
        }
        break;
      }
      Head head = parse_head(data.substr(0, end + 2));
      if (!head.ok) {
        replies_.push_back(net::buffer(kBadRequest));
        close = true;
        break;
      }
      std::size_t total = end + 4 + head.content_length;
      if (data.size() < total) break;  // body not complete yet
      std::string_view body = data.substr(end + 4, head.content_length);
      const std::string& reply = head.get ? kHealth : (wants_stream(body) ? kSse : kJson);
      replies_.push_back(net::buffer(reply));
      close = head.close;
      at += total;
    }
    if (at > 0) {
      std::copy(buffer_.begin() + static_cast<std::ptrdiff_t>(at),
                buffer_.begin() + static_cast<std::ptrdiff_t>(used_), buffer_.begin());
      used_ -= at;
    }
    if (replies_.empty()) {
      read();
      return;
    }
    net::async_write(socket_, replies_,
                     [self = shared_from_this(), close](boost::system::error_code ec, std::size_t) {
                       if (ec) return;
                       if (close) {
                         boost::system::error_code ignored;
                         self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
                         return;
                       }
                       self->read();
                     });
  }

  tcp::socket socket_;
  std::vector<char> buffer_;
  std::size_t used_ = 0;
  std::vector<net::const_buffer> replies_;
};

void accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](boost::system::error_code ec, tcp::socket socket) {
    if (!ec) {
      boost::system::error_code option_ec;
      socket.set_option(tcp::no_delay(true), option_ec);
      std::make_shared<Connection>(std::move(socket))->start();
    }
    accept(acceptor);
  });
}

}  // namespace

int main(int argc, char** argv) {
  unsigned long port = 9100;
  if (argc > 1) {
    char* end = nullptr;
    port = std::strtoul(argv[1], &end, 10);
    if (end == argv[1] || *end != '\0' || port > 65535) {
      std::fprintf(stderr, "usage: %s [port]\n", argv[0]);
      return 2;
    }
  }
  net::io_context io(1);
  tcp::acceptor acceptor(io);
  try {
    tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(net::socket_base::max_listen_connections);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fake_upstream_bench: cannot listen on 127.0.0.1:%lu: %s\n", port,
                 e.what());
    return 1;
  }
  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](boost::system::error_code, int) { io.stop(); });
  accept(acceptor);
  std::printf("listening on 127.0.0.1:%u\n", acceptor.local_endpoint().port());
  std::fflush(stdout);
  io.run();
  return 0;
}
