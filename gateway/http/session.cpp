#include "gateway/http/session.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "gateway/accounting/metrics.hpp"
#include "gateway/errors.hpp"
#include "gateway/http/chunked_guard.hpp"
#include "gateway/http/http_guard.hpp"
#include "gateway/http/request_line_guard.hpp"
#include "gateway/http/request_target.hpp"
#include "gateway/http/server.hpp"
#include "gateway/routes/table.hpp"

namespace switchyard {

namespace {
constexpr std::string_view kHeaderEnd = "\r\n\r\n";
// Room for the body to stream through the parser; the header block itself is
// capped separately by max_header_bytes.
constexpr std::size_t kBodyReadRoom = 64 * 1024;
// How long and how much a closing connection keeps reading and dropping.
constexpr std::chrono::milliseconds kLingerTime{1000};
constexpr std::size_t kLingerBytes = 256 * 1024;

bool is_chunked(const http::request_parser<http::string_body>& parser) {
  return parser.chunked();
}
}  // namespace

http::response<http::string_body> json_response(int status, std::string body, bool keep_alive) {
  http::response<http::string_body> response{static_cast<http::status>(status), 11};
  response.set(http::field::content_type, "application/json");
  response.set(http::field::server, "switchyard");
  response.keep_alive(keep_alive);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

Session::Session(Worker& worker, std::unique_ptr<ConnectionStream> stream, ListenerRole role)
    : worker_(worker),
      stream_(std::move(stream)),
      role_(role),
      limits_(worker.snapshot()->config().server.limits) {
  buffer_.max_size(limits_.max_header_bytes + kBodyReadRoom);
  boost::system::error_code ec;
  auto endpoint = stream_->socket().remote_endpoint(ec);
  if (!ec) remote_address_ = endpoint.address().to_string();
  stream_->socket().set_option(net::ip::tcp::no_delay(true), ec);
  worker_.track(this);
  worker_.gateway().open_connections().fetch_add(1, std::memory_order_relaxed);
  worker_.gateway().accounting().metrics().connection_opened();
}

Session::~Session() {
  worker_.untrack(this);
  worker_.gateway().open_connections().fetch_sub(1, std::memory_order_relaxed);
  worker_.gateway().accounting().metrics().connection_closed();
}

void Session::drain() {
  drain_requested_ = true;
  if (idle_) {
    boost::system::error_code ignored;
    stream_->socket().cancel(ignored);
  }
}

std::string_view Session::buffered() const {
  return {static_cast<const char*>(buffer_.data().data()), buffer_.size()};
}

net::awaitable<void> Session::run() {
  stream_->expires_after(limits_.header_timeout);
  if (!co_await stream_->handshake()) {
    bool first = true;
    while (!drain_requested_) {
      if (!co_await wait_for_request_start(first)) break;
      first = false;
      if (!co_await serve_one()) break;
    }
  }
  co_await close();
}

net::awaitable<void> Session::close() {
  stream_->expires_after(kLingerTime);
  co_await stream_->shutdown();
  if (linger_) {
    std::size_t dropped = 0;
    while (dropped < kLingerBytes) {
      buffer_.clear();
      auto [ec, bytes] = co_await stream_->read_some(buffer_.prepare(4096));
      if (ec || bytes == 0) break;
      dropped += bytes;
    }
  }
  boost::system::error_code ignored;
  stream_->socket().close(ignored);
}

net::awaitable<bool> Session::read_more(std::size_t& bytes) {
  std::size_t room = std::min<std::size_t>(4096, buffer_.max_size() - buffer_.size());
  if (room == 0) co_return false;
  auto [ec, n] = co_await stream_->read_some(buffer_.prepare(room));
  bytes = n;
  if (ec || n == 0) co_return false;
  buffer_.commit(n);
  co_return true;
}

net::awaitable<bool> Session::wait_for_request_start(bool first) {
  idle_ = true;
  if (buffer_.size() > 0) {  // pipelined bytes already here
    idle_ = false;
    co_return true;
  }
  // A new connection gets the header timeout for its first byte; a kept-alive
  // one may idle for the keep-alive timeout.
  stream_->expires_after(first ? limits_.header_timeout : limits_.idle_timeout);
  std::size_t bytes = 0;
  bool ok = co_await read_more(bytes);
  idle_ = false;
  co_return ok && !drain_requested_;
}

net::awaitable<bool> Session::read_header_block(std::size_t& block_end) {
  stream_->expires_after(limits_.header_timeout);
  std::size_t searched = 0;
  for (;;) {
    // Empty lines before a request line are ignored (RFC 9112 section 2.2),
    // also between kept-alive requests; they still count against the timeout.
    if (std::size_t empty = leading_empty_lines(buffered()); empty > 0) {
      buffer_.consume(empty);
      searched = 0;
    }
    std::string_view data = buffered();
    std::size_t from = searched >= 3 ? searched - 3 : 0;
    auto end = data.find(kHeaderEnd, from);
    std::string_view head = data.substr(0, end == std::string_view::npos ? data.size() : end + 4);
    if (std::string problem = check_request_prefix(head); !problem.empty()) {
      co_await reject_and_close(ErrorCode::invalid_request, problem);
      co_return false;
    }
    if (end != std::string_view::npos) {
      block_end = end + kHeaderEnd.size();
      co_return true;
    }
    searched = data.size();
    if (data.size() >= limits_.max_header_bytes) {
      co_await reject_and_close(
          ErrorCode::headers_too_large,
          "request headers exceed " + std::to_string(limits_.max_header_bytes) + " bytes");
      co_return false;
    }
    std::size_t bytes = 0;
    if (!co_await read_more(bytes)) co_return false;  // timeout or gone: nothing to answer
  }
}

net::awaitable<bool> Session::parse_header(Parser& parser, std::size_t block_end) {
  std::string_view block = buffered().substr(0, block_end);
  if (std::string problem = check_raw_header_block(block); !problem.empty()) {
    co_await reject_and_close(ErrorCode::invalid_request, problem);
    co_return false;
  }
  parser.header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes + 4));
  // The route, and so its body limit, is known only once the header is
  // parsed: parse it under the larger limit, then narrow to the route's.
  body_limit_ = std::max(limits_.max_body_bytes, limits_.max_chat_body_bytes);
  path_of_request_.clear();
  parser.body_limit(body_limit_);
  parser.eager(false);
  boost::system::error_code ec;
  std::size_t used = parser.put(net::buffer(block.data(), block.size()), ec);
  buffer_.consume(used);
  // Beast checks a Content-Length against the body limit while parsing the
  // header, so an oversized body can surface here (the request line, and so
  // the route's error format, is known by then).
  if (ec == http::error::body_limit) {
    path_of_request_ = std::string(target_path(parser.get().target()));
    co_await reject_too_large();
    co_return false;
  }
  if (!ec && !parser.is_header_done()) ec = http::error::need_more;
  if (!ec) {
    path_of_request_ = std::string(target_path(parser.get().target()));
    body_limit_ = body_limit_for(limits_, path_of_request_);
    parser.body_limit(body_limit_);
  }
  if (ec) {
    co_await reject_and_close(ErrorCode::invalid_request,
                              "malformed HTTP request: " + ec.message());
    co_return false;
  }
  if (std::string problem = check_request_framing(parser.get()); !problem.empty()) {
    co_await reject_and_close(ErrorCode::invalid_request, problem);
    co_return false;
  }
  if (auto length = parser.content_length(); length && *length > body_limit_) {
    co_await reject_too_large();
    co_return false;
  }
  co_return true;
}

// `100 Continue` invites the body: only once the request would be served.
// A request that will be refused is answered now, and the body never read.
net::awaitable<bool> Session::answer_expect_continue(Parser& parser) {
  if (!beast::iequals(parser.get()[http::field::expect], "100-continue")) co_return true;
  if (!admits_before_body(*this, parser.get())) {
    http::request<http::string_body> request(parser.get().base());
    request.keep_alive(false);
    linger_ = true;
    co_await dispatch(*this, request);
    co_return false;
  }
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  bool ok = co_await write_bytes(kContinue, {});
  co_return ok;
}

net::awaitable<bool> Session::read_body(Parser& parser) {
  // One deadline for the whole body, apart from the idle timeout: a body
  // trickling in a byte at a time cannot hold the connection for long.
  stream_->expires_after(limits_.body_timeout);
  parser.eager(true);  // parse every buffered body byte in one put()
  std::optional<ChunkedGuard> guard;
  if (is_chunked(parser)) guard.emplace();
  std::size_t fresh = buffer_.size();  // bytes the guard has not seen yet
  for (;;) {
    if (guard) {
      std::string_view data = buffered();
      if (std::string problem = guard->feed(data.substr(data.size() - fresh)); !problem.empty()) {
        co_await reject_and_close(ErrorCode::invalid_request, "malformed chunked body: " + problem);
        co_return false;
      }
    }
    boost::system::error_code ec;
    if (buffer_.size() > 0) buffer_.consume(parser.put(buffer_.data(), ec));
    if (parser.is_done()) co_return true;
    if (ec == http::error::need_more) ec = {};
    if (ec == http::error::body_limit) {
      co_await reject_too_large();
      co_return false;
    }
    if (ec) {
      co_await reject_and_close(ErrorCode::invalid_request,
                                "malformed HTTP request body: " + ec.message());
      co_return false;
    }
    auto [read_ec, bytes] = co_await stream_->read_some(
        buffer_.prepare(std::min<std::size_t>(kBodyReadRoom, buffer_.max_size() - buffer_.size())));
    // Gone, or past the deadline: the stream's timer has closed the socket
    // then, so there is no one to answer.
    if (read_ec || bytes == 0) co_return false;
    buffer_.commit(bytes);
    fresh = bytes;
  }
}

net::awaitable<bool> Session::serve_one() {
  std::size_t block_end = 0;
  if (!co_await read_header_block(block_end)) co_return false;
  Parser parser;
  if (!co_await parse_header(parser, block_end)) co_return false;
  head_request_ = parser.get().method() == http::verb::head;
  std::optional<http::fields> header_section;  // see restore_header_section
  if (parser.chunked()) header_section.emplace(parser.get());
  if (!parser.is_done()) {
    if (!co_await answer_expect_continue(parser)) co_return false;
    if (!co_await read_body(parser)) co_return false;
  }
  stream_->expires_never();
  http::request<http::string_body> request = parser.release();
  if (header_section) restore_header_section(request, std::move(*header_section));
  bool keep_alive = co_await dispatch(*this, request);
  head_request_ = false;
  co_return keep_alive && !drain_requested_;
}

net::awaitable<void> Session::reject_and_close(ErrorCode code, std::string message) {
  Error error = make_error(code, std::move(message));
  auto response = json_response(http_status(error), error_body(error), false);
  linger_ = true;
  co_await write_response(response);
}

net::awaitable<void> Session::reject_too_large() {
  // In the route's own error format: an Anthropic client parses its shape.
  Error error = make_error(ErrorCode::body_too_large,
                           "request body exceeds " + std::to_string(body_limit_) + " bytes");
  auto response =
      json_response(http_status(error), error_body_for_path(path_of_request_, error), false);
  linger_ = true;
  co_await write_response(response);
}

namespace {
// Status line and header fields, written by hand: one small string instead of
// a Beast serializer's buffer sequence per response.
template <class Fields>
void serialize_head(const http::response_header<Fields>& header, std::string& out) {
  out.append("HTTP/1.1 ");
  out.append(std::to_string(header.result_int()));
  out.push_back(' ');
  out.append(http::obsolete_reason(header.result()));
  out.append("\r\n");
  for (const auto& field : header) {
    out.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
  }
  out.append("\r\n");
}
}  // namespace

net::awaitable<bool> Session::write_bytes(std::string_view first, std::string_view second) {
  stream_->expires_after(limits_.send_timeout);
  auto [ec, bytes] = co_await stream_->write({net::buffer(first), net::buffer(second)});
  bytes_written_ += bytes;
  co_return !ec;
}

net::awaitable<bool> Session::write_response(http::response<http::string_body>& response) {
  if (drain_requested_) response.keep_alive(false);
  frame_.clear();
  serialize_head(response.base(), frame_);
  // RFC 9110 section 9.3.2: HEAD gets the GET's header fields, no content.
  std::string_view body = head_request_ ? std::string_view{} : std::string_view(response.body());
  bool ok = co_await write_bytes(frame_, body);
  stream_->expires_never();
  co_return ok;
}

net::awaitable<bool> Session::write_stream_header(http::response<http::empty_body>& response) {
  if (drain_requested_) response.keep_alive(false);
  frame_.clear();
  serialize_head(response.base(), frame_);
  co_return co_await write_bytes(frame_, {});
}

net::awaitable<bool> Session::write_chunk(std::string_view data) {
  if (data.empty()) co_return true;  // an empty chunk would end the body
  char size_line[24];
  int length = std::snprintf(size_line, sizeof(size_line), "%zx\r\n", data.size());
  frame_.assign(size_line, static_cast<std::size_t>(length));
  frame_.append(data);
  co_return co_await write_bytes(frame_, "\r\n");
}

net::awaitable<bool> Session::write_last_chunk() {
  bool ok = co_await write_bytes("0\r\n\r\n", {});
  stream_->expires_never();
  co_return ok;
}

namespace {
// Over the connection cap: the 503 is written, the send side shut, and what
// the client already sent is read and dropped for a moment before the close,
// so the client reads the answer instead of a reset.
net::awaitable<void> reject_over_cap(std::unique_ptr<ConnectionStream> stream,
                                     config::Limits limits) {
  stream->expires_after(limits.header_timeout);
  if (co_await stream->handshake()) co_return;
  auto response = json_response(
      503, error_body(make_error(ErrorCode::overloaded, "too many open connections; retry later")),
      false);
  response.set(http::field::retry_after, "1");
  std::string head;
  serialize_head(response.base(), head);
  stream->expires_after(limits.send_timeout);
  auto [ec, n] = co_await stream->write({net::buffer(head), net::buffer(response.body())});
  (void)n;
  if (ec) co_return;
  stream->expires_after(kLingerTime);
  co_await stream->shutdown();
  char drop[4096];
  std::size_t dropped = 0;
  while (dropped < kLingerBytes) {
    auto [read_ec, bytes] = co_await stream->read_some(net::buffer(drop));
    if (read_ec || bytes == 0) break;
    dropped += bytes;
  }
}
// The session lives exactly as long as its coroutine.
net::awaitable<void> run_owned(std::unique_ptr<Session> session) {
  co_await session->run();
}
}  // namespace

void start_session(Worker& worker, net::ip::tcp::socket socket, ListenerRole role) {
  const auto& limits = worker.snapshot()->config().server.limits;
  std::unique_ptr<ConnectionStream> stream;
  if (auto tls = role == ListenerRole::public_api ? worker.gateway().tls_context() : nullptr) {
    stream = make_tls_stream(std::move(socket), std::move(tls));
  } else {
    stream = make_plain_stream(std::move(socket));
  }
  if (worker.gateway().open_connections().load(std::memory_order_relaxed) >=
      limits.max_connections) {
    worker.gateway().accounting().metrics().connection_rejected();
    net::co_spawn(worker.io(), reject_over_cap(std::move(stream), limits), net::detached);
    return;
  }
  net::co_spawn(worker.io(), run_owned(std::make_unique<Session>(worker, std::move(stream), role)),
                net::detached);
}

}  // namespace switchyard
