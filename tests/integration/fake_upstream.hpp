#pragma once
// A scripted HTTP/1.1 upstream on 127.0.0.1 (port 0): one thread per
// connection, keep-alive, every request recorded. A handler decides each
// answer: a whole response, an SSE stream (chunked, one chunk per event, with
// a delay between events, optionally cut mid-stream), silence, or an
// immediate close.
#include <atomic>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/http_client.hpp"

namespace itest {

struct RecordedRequest {
  std::size_t connection = 0;  // 1-based number of the connection it came on
  std::string method;
  std::string target;
  Headers headers;
  std::string body;

  std::string header(std::string_view name) const { return header_value(headers, name); }
  bool has_header(std::string_view name) const { return header_count(headers, name) > 0; }
  boost::json::value json() const;  // null when the body is not JSON
};

struct SseScript {
  std::vector<std::string> events;     // raw event text, each ending in "\n\n"
  std::chrono::milliseconds delay{0};  // before every event but the first
  // After this many events, stop: close abruptly (no final chunk), or with
  // hang_on_stop stay connected and silent until the peer closes.
  std::optional<std::size_t> stop_after;
  bool hang_on_stop = false;
};

struct Response {
  enum class Kind { full, sse, silence, close };
  Kind kind = Kind::full;
  int status = 200;
  Headers headers;
  std::string body;
  SseScript sse;

  // A whole response; Content-Type: application/json unless given.
  static Response json(std::string body, int status = 200, Headers headers = {});
  static Response stream(SseScript script, int status = 200);
  static Response silence();  // read the request, never answer
  static Response close();    // read the request, close without a byte
};

using Handler = std::function<Response(const RecordedRequest&)>;

class FakeUpstream {
 public:
  explicit FakeUpstream(Handler handler);
  ~FakeUpstream();
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  std::uint16_t port() const { return port_; }
  // "http://127.0.0.1:<port>/v1" (or another base path).
  std::string base_url(std::string_view path = "/v1") const;
  void set_handler(Handler handler);

  std::size_t hits() const { return hits_; }
  std::size_t connections_accepted() const { return accepted_; }
  std::size_t connections_open() const { return open_; }
  std::vector<RecordedRequest> requests() const;
  std::optional<RecordedRequest> last_request() const;

  std::size_t events_sent() const { return events_sent_; }  // over all streams
  std::size_t streams_completed() const { return streams_completed_; }
  // Streams whose peer went away while events were still to be sent.
  std::size_t streams_cut_by_peer() const { return streams_cut_by_peer_; }

 private:
  void accept_loop();
  void serve(int fd, std::size_t connection);
  bool send_stream(int fd, const SseScript& script);
  void wait_peer_close(int fd) const;

  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> hits_{0}, accepted_{0}, open_{0};
  std::atomic<std::size_t> events_sent_{0}, streams_completed_{0}, streams_cut_by_peer_{0};

  mutable std::mutex mutex_;  // guards everything below
  Handler handler_;
  std::vector<RecordedRequest> requests_;
  std::set<int> open_fds_;
  std::vector<std::thread> connection_threads_;
  std::thread accept_thread_;
};

}  // namespace itest
