#pragma once
// A raw-socket upstream on 127.0.0.1 (port 0) that answers each request with
// exactly the bytes a script gives: interim 1xx responses, unsolicited second
// responses, wrong Content-Lengths, closes without a word. One thread per
// connection; requests are read by their Content-Length.
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace itest {

struct RawRequest {
  std::size_t connection = 0;  // 1-based
  std::size_t number = 0;      // 1-based, over all connections
  std::string head;
  std::string body;
  // messages[0].content of a chat body, "" when absent.
  std::string user_content() const;
  bool stream() const;  // "stream": true
};

struct RawReply {
  std::vector<std::string> writes;  // sent one send() each, in order
  bool close_after = false;         // then close the connection
};

using RawHandler = std::function<RawReply(const RawRequest&)>;

class ScriptedUpstream {
 public:
  explicit ScriptedUpstream(RawHandler handler);
  ~ScriptedUpstream();
  ScriptedUpstream(const ScriptedUpstream&) = delete;
  ScriptedUpstream& operator=(const ScriptedUpstream&) = delete;

  std::string base_url() const;  // "http://127.0.0.1:<port>/v1"
  std::size_t connections_accepted() const { return accepted_; }
  std::size_t requests() const { return requests_; }
  // Replies whose every write has been sent.
  std::size_t replies_sent() const { return replies_sent_; }

 private:
  void accept_loop();
  void serve(int fd, std::size_t connection);

  RawHandler handler_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> accepted_{0}, requests_{0}, replies_sent_{0};
  std::mutex mutex_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::thread accept_thread_;
};

// Wire bytes for the scripts.
std::string http_json(std::string_view body, std::string_view extra_headers = {});
std::string http_sse_chunked(const std::vector<std::string>& events, bool last_chunk = true);
std::string chunk_of(std::string_view data);

}  // namespace itest
