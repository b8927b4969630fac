#include "tests/integration/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <cctype>
#include <stdexcept>

namespace itest {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string header_value(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return {};
}

std::size_t header_count(const Headers& headers, std::string_view name) {
  std::size_t n = 0;
  for (const auto& [key, value] : headers) n += iequals(key, name) ? 1 : 0;
  return n;
}

boost::json::value HttpResponse::json() const {
  return boost::json::parse(body);
}

std::vector<int> raw_statuses(std::string_view data) {
  std::vector<int> statuses;
  for (auto pos = data.find("HTTP/1."); pos != std::string_view::npos;
       pos = data.find("HTTP/1.", pos + 1)) {
    if (pos != 0 && data[pos - 1] != '\n') continue;
    if (pos + 12 > data.size() || data[pos + 8] != ' ') continue;
    std::string_view code = data.substr(pos + 9, 3);
    if (std::isdigit(static_cast<unsigned char>(code[0])) &&
        std::isdigit(static_cast<unsigned char>(code[1])) &&
        std::isdigit(static_cast<unsigned char>(code[2]))) {
      statuses.push_back(std::stoi(std::string(code)));
    }
  }
  return statuses;
}

TestClient::TestClient(std::uint16_t port, std::chrono::milliseconds timeout)
    : stream_(ioc_), timeout_(timeout), port_(port) {
  net::ip::tcp::endpoint endpoint(net::ip::address_v4::loopback(), port);
  auto ec = run([&](auto handler) { stream_.async_connect(endpoint, handler); }, timeout_);
  if (ec) throw std::runtime_error("connect to port " + std::to_string(port) + ": " + ec.message());
  stream_.socket().set_option(net::ip::tcp::no_delay(true));
}

// Runs one asynchronous operation to completion on the private io_context.
// A timer cancels it after `timeout` (reported as beast::error::timeout); the
// socket stays open, so a timed-out read can be followed by more I/O.
template <class Start>
beast::error_code TestClient::run(Start&& start, std::chrono::milliseconds timeout) {
  beast::error_code result = net::error::would_block;
  bool done = false;
  bool timed_out = false;
  last_bytes_ = 0;
  net::steady_timer timer(ioc_);
  timer.expires_after(timeout);
  timer.async_wait([&](beast::error_code ec) {
    if (ec || done) return;
    timed_out = true;
    beast::error_code ignored;
    stream_.socket().cancel(ignored);
  });
  start([&](beast::error_code ec, auto&&... bytes) {
    done = true;
    result = ec;
    ((last_bytes_ = static_cast<std::size_t>(bytes)), ...);
    timer.cancel();
  });
  ioc_.restart();
  ioc_.run();
  if (timed_out && result == net::error::operation_aborted) result = beast::error::timeout;
  return result;
}

void TestClient::send_request(std::string_view method, std::string_view target,
                              std::string_view body, const Headers& headers) {
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  if (header_count(headers, "host") == 0)
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
  for (const auto& [name, value] : headers) req.insert(name, value);
  if (!body.empty() && header_count(headers, "content-type") == 0) {
    req.set(http::field::content_type, "application/json");
  }
  req.body() = std::string(body);
  if (header_count(headers, "content-length") == 0) req.prepare_payload();
  auto ec = run([&](auto handler) { http::async_write(stream_, req, handler); }, timeout_);
  if (ec) throw std::runtime_error("send request: " + ec.message());
}

HttpResponse TestClient::to_response(Parser& parser) const {
  HttpResponse response;
  auto& msg = parser.get();
  response.status = static_cast<int>(msg.result_int());
  for (const auto& field : msg) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  response.body = msg.body();
  response.keep_alive = parser.keep_alive();
  return response;
}

HttpResponse TestClient::read_response() {
  Parser parser;
  parser.body_limit(boost::none);
  auto ec =
      run([&](auto handler) { http::async_read(stream_, buffer_, parser, handler); }, timeout_);
  if (ec) throw std::runtime_error("read response: " + ec.message());
  return to_response(parser);
}

HttpResponse TestClient::request(std::string_view method, std::string_view target,
                                 std::string_view body, const Headers& headers) {
  send_request(method, target, body, headers);
  return read_response();
}

void TestClient::send_raw(std::string_view bytes) {
  auto ec =
      run([&](auto handler) { net::async_write(stream_, net::buffer(bytes), handler); }, timeout_);
  if (ec) throw std::runtime_error("send raw: " + ec.message());
}

TestClient::RawRead TestClient::read_until_close(std::chrono::milliseconds timeout) {
  RawRead result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !stream_.socket().is_open()) break;
    auto ec =
        run([&](auto handler) { stream_.async_read_some(buffer_.prepare(4096), handler); }, left);
    buffer_.commit(last_bytes_);
    if (ec == net::error::would_block) break;
    if (ec == net::error::eof || ec == net::error::connection_reset) {
      result.eof = true;
      break;
    }
    if (ec) break;  // a timeout leaves the socket open
  }
  result.data = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  return result;
}

HttpResponse TestClient::read_response_head() {
  stream_parser_.emplace();
  stream_parser_->body_limit(boost::none);
  consumed_ = 0;
  body_complete_ = false;
  stream_error_.clear();
  auto ec = run(
      [&](auto handler) { http::async_read_header(stream_, buffer_, *stream_parser_, handler); },
      timeout_);
  if (ec) throw std::runtime_error("read response head: " + ec.message());
  return to_response(*stream_parser_);
}

namespace {
SseEvent parse_event(std::string_view text) {
  SseEvent event;
  bool first_data = true;
  while (!text.empty()) {
    auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto colon = line.find(':');
    std::string_view field = line.substr(0, colon);
    std::string_view value =
        colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "event") event.event = std::string(value);
    if (field == "data") {
      if (!first_data) event.data += '\n';
      event.data += value;
      first_data = false;
    }
  }
  return event;
}
}  // namespace

std::optional<SseEvent> TestClient::next_event() {
  if (!stream_parser_) throw std::logic_error("next_event before read_response_head");
  while (true) {
    const std::string& body = stream_parser_->get().body();
    std::string_view rest = std::string_view(body).substr(consumed_);
    // Skip blank separators left between events.
    while (!rest.empty() && (rest.front() == '\n' || rest.front() == '\r')) {
      rest.remove_prefix(1);
      ++consumed_;
    }
    auto end = rest.find("\n\n");
    auto crlf = rest.find("\r\n\r\n");
    std::size_t sep = 2;
    if (crlf != std::string_view::npos && (end == std::string_view::npos || crlf < end)) {
      end = crlf;
      sep = 4;
    }
    if (end != std::string_view::npos) {
      consumed_ += end + sep;
      SseEvent event = parse_event(rest.substr(0, end));
      if (event.data.empty() && event.event.empty()) continue;  // a comment line
      return event;
    }
    if (stream_parser_->is_done()) {
      body_complete_ = true;
      return std::nullopt;
    }
    auto ec = run(
        [&](auto handler) { http::async_read_some(stream_, buffer_, *stream_parser_, handler); },
        timeout_);
    if (ec == http::error::end_of_stream || (ec == net::error::eof && stream_parser_->is_done())) {
      body_complete_ = stream_parser_->is_done();
      if (!body_complete_) stream_error_ = ec.message();
      return std::nullopt;
    }
    if (ec) {
      stream_error_ = ec.message();
      return std::nullopt;
    }
  }
}

std::string TestClient::streamed_body() const {
  return stream_parser_ ? stream_parser_->get().body() : std::string{};
}

void TestClient::close() {
  beast::error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  stream_.socket().close(ec);
}

bool TestClient::is_open() const {
  return stream_.socket().is_open();
}

}  // namespace itest
