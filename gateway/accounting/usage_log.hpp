#pragma once
// The usage log: the durable billing and audit record. JSON Lines, one
// UsageRecord per line (to_json_line), append-only, rotated by size.
//
// Why a line is never half-written: each record goes out as one write(2) of
// the whole line, newline included, on an O_APPEND descriptor, under a mutex.
// A process that is killed leaves whole lines only, because the kernel either
// performed that write or did not; if a write comes back short (disk full) the
// partial tail is truncated away before the next line. What a crash of the
// process cannot lose, a power loss can: that is what the fsync policy is for.
//   always:   append() fsyncs before it returns, so "acknowledged" means
//             durable. Concurrent appenders share one fsync (group commit).
//   interval: a background thread fsyncs every fsync_interval when something
//             new was written.
//   never:    the OS writes back when it likes (still one whole line per write).
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "config/config.hpp"
#include "gateway/accounting/usage_record.hpp"

namespace switchyard {

// Rotated files kept beside the live one: path.1 (newest) .. path.5 (oldest).
inline constexpr int kUsageLogRotatedKept = 5;

class UsageLogWriter {
 public:
  UsageLogWriter() = default;
  ~UsageLogWriter();  // stops the fsync thread and fsyncs what was written
  UsageLogWriter(const UsageLogWriter&) = delete;
  UsageLogWriter& operator=(const UsageLogWriter&) = delete;

  // Opens (creating) config.path for append. False with `error` naming the
  // path and the reason when it cannot be opened. Call once, before append().
  bool open(const config::UsageLog& config, std::string& error);

  // Thread-safe. Writes one whole line, rotating first when the line would
  // take the file past rotate_bytes. False when the line could not be written
  // (the file is left without a partial line; see last_error()).
  bool append(const UsageRecord& record);
  // The same, for a line already made by to_json_line (no newline; one
  // containing a newline is refused).
  bool append_line(std::string_view json_line);

  // fsyncs everything appended so far, whatever the policy. False when the
  // fsync failed (the error is in last_error()).
  bool flush();

  std::uint64_t failed_appends() const;
  std::string last_error() const;

 private:
  bool write_locked(std::string_view bytes);
  bool rotate_locked();
  bool reopen_locked();
  bool sync_through(std::uint64_t sequence);
  void interval_sync_loop();

  config::UsageLog config_;
  mutable std::mutex mutex_;  // guards the fields below down to last_error_
  int fd_ = -1;
  std::uint64_t size_ = 0;             // bytes in the live file
  std::uint64_t written_ = 0;          // lines written since open (a sequence number)
  std::uint64_t rotate_retry_at_ = 0;  // after a failed rotation: the size to try again at
  std::uint64_t failures_ = 0;
  std::string last_error_;

  std::mutex sync_mutex_;     // one fsync at a time
  std::uint64_t synced_ = 0;  // guarded by sync_mutex_: lines known durable

  std::mutex stop_mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
  std::thread sync_thread_;  // only with FsyncPolicy::interval
};

// Time stamps in the log: RFC 3339 in UTC with milliseconds,
// "2024-05-01T12:34:56.789Z".
std::string format_rfc3339_ms(std::int64_t unix_ms);
// Parses an RFC 3339 date-time ("Z" or a "+hh:mm" offset, optional fraction,
// truncated to milliseconds). False when malformed.
bool parse_rfc3339_ms(std::string_view text, std::int64_t& unix_ms);

}  // namespace switchyard
