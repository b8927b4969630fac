#include "gateway/accounting/access_log.hpp"

#include "providers/canonical/strict_json.hpp"
#include "gateway/accounting/usage_log.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>
#include <shared_mutex>
#include <string>

#include <fcntl.h>
#include <unistd.h>

namespace switchyard {
namespace {

// The access sink. Writers hold the lock shared, so lines from many threads go
// out concurrently (one write() each; O_APPEND keeps them whole), while
// configure() holds it exclusively so it never closes an fd a writer is using.
struct AccessSink {
  std::shared_mutex mutex;
  int fd = STDERR_FILENO;  // -1: off
  bool owned = false;      // close on reconfigure
};

AccessSink& access_sink() {
  static AccessSink sink;
  return sink;
}

std::atomic<int> configured_level{static_cast<int>(config::LogLevel::info)};

const char* level_name(config::LogLevel level) {
  switch (level) {
    case config::LogLevel::debug:
      return "debug";
    case config::LogLevel::info:
      return "info";
    case config::LogLevel::warn:
      return "warn";
    case config::LogLevel::error:
      return "error";
  }
  return "info";
}

// RFC 3339 in UTC with milliseconds: 2025-01-31T12:34:56.789Z.
std::string timestamp_now() {
  return format_rfc3339_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += ',';
  append_json_string(out, name);
  out += ':';
  append_json_string(out, value);
}

void append_field(std::string& out, std::string_view name, std::uint64_t value) {
  out += ',';
  append_json_string(out, name);
  out += ':';
  out += std::to_string(value);
}

void append_field(std::string& out, std::string_view name, double value) {
  out += ',';
  append_json_string(out, name);
  out += ':';
  char buffer[32];
  // Microsecond resolution is plenty for a duration and keeps lines short.
  std::snprintf(buffer, sizeof buffer, "%.3f", std::isfinite(value) ? value : 0.0);
  out += buffer;
}

// {"ts":...,"level":...,"msg":... without the closing brace.
std::string line_start(config::LogLevel level, std::string_view message) {
  std::string line = "{\"ts\":\"" + timestamp_now() + "\",\"level\":\"" + level_name(level) + '"';
  append_field(line, "msg", message);
  return line;
}

// One write() for the whole line, so concurrent lines never interleave; the
// loop only matters for a rare partial write (a full disk or a signal).
void write_line(int fd, const std::string& line) {
  std::size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = ::write(fd, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to report a failing log; drop the line
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace

bool Log::configure(const std::string& access_target, config::LogLevel level, std::string& error) {
  int fd = -1;
  bool owned = false;
  if (access_target == "-") {
    fd = STDERR_FILENO;
  } else if (!access_target.empty()) {
    fd = ::open(access_target.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
      error = "access_log: cannot open " + access_target + ": " + std::strerror(errno);
      return false;
    }
    owned = true;
  }
  AccessSink& sink = access_sink();
  {
    std::unique_lock lock(sink.mutex);
    if (sink.owned) ::close(sink.fd);
    sink.fd = fd;
    sink.owned = owned;
  }
  configured_level.store(static_cast<int>(level), std::memory_order_relaxed);
  return true;
}

bool Log::enabled(config::LogLevel level) {
  return static_cast<int>(level) >= configured_level.load(std::memory_order_relaxed);
}

void Log::access(const AccessEntry& entry) {
  AccessSink& sink = access_sink();
  std::shared_lock lock(sink.mutex);
  if (sink.fd < 0) return;
  std::string line = line_start(config::LogLevel::info, "access");
  append_field(line, "request_id", entry.request_id);
  append_field(line, "method", entry.method);
  append_field(line, "path", entry.path);
  append_field(line, "status", static_cast<std::uint64_t>(entry.status < 0 ? 0 : entry.status));
  append_field(line, "model", entry.model);
  append_field(line, "provider", entry.provider);
  append_field(line, "duration_ms", entry.duration_ms);
  append_field(line, "bytes_in", entry.bytes_in);
  append_field(line, "bytes_out", entry.bytes_out);
  append_field(line, "remote", entry.remote);
  append_field(line, "key_name", entry.key_name);
  append_field(line, "attempts",
               static_cast<std::uint64_t>(entry.attempts < 0 ? 0 : entry.attempts));
  line += "}\n";
  write_line(sink.fd, line);
}

// The process log always goes to stderr (the journal or the container log),
// whatever the access log target: turning access logging off must not hide
// errors.
void Log::write(config::LogLevel level, std::string_view message) {
  if (!enabled(level)) return;
  std::string line = line_start(level, message);
  line += "}\n";
  write_line(STDERR_FILENO, line);
}

}  // namespace switchyard
